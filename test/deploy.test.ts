// The docker-compose demo and the image, checked without a Docker engine: compose validates, the configs pass
// promtool and amtool, the pieces point at each other, and the Dockerfile's build steps are replayed for real.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI, ROOT, waitFor } from './helpers/cli.js';
import { describeWithTools } from './helpers/tools.js';

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml')) as {
  services: Record<
    string,
    { image?: string; build?: string; command?: string[]; volumes?: string[]; ports?: string[] }
  >;
};

describeWithTools(['docker-compose', 'promtool', 'amtool'])('docker-compose demo', () => {
  it('validates with docker-compose config', () => {
    expect(() =>
      execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], {
        cwd: ROOT,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });

  it('has the gateway, the exporter built from this repo, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'alertmanager',
      'exporter',
      'gateway',
      'grafana',
      'prometheus',
    ]);
    const exporter = compose.services.exporter;
    expect(exporter?.build).toBe('.');
    expect(exporter?.command).toEqual([
      '--follow',
      '/logs/*.log',
      '--listen',
      ':9817',
      '--positions',
      '/state/positions.json',
    ]);
  });

  it('mounts only files and folders that exist in the repository', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const host = volume.split(':')[0] as string;
        if (host.startsWith('./'))
          expect([volume, fs.existsSync(path.join(ROOT, host))]).toEqual([volume, true]);
      }
    }
  });

  it('has a Prometheus config that promtool accepts, scraping the exporter under the job the rules expect', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-deploy-'));
    const config = read('deploy/prometheus/prometheus.yml').replace(
      '/etc/prometheus/rules/oss-errors.rules.yml',
      path.join(ROOT, 'dashboards/oss-errors.rules.yml'),
    );
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
    expect(
      execFileSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' }),
    ).toContain('SUCCESS');
    const doc = parse(config) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    expect(doc.scrape_configs[0]).toEqual({
      job_name: 'oss-error-exporter',
      static_configs: [{ targets: ['exporter:9817'] }],
    });
    expect(/up\{job=~"([^"]+)"\}/.exec(read('dashboards/oss-errors.rules.yml'))?.[1]).toBe(
      '.*oss-error-exporter.*',
    );
  });

  it('has an Alertmanager config that amtool accepts', () => {
    expect(
      execFileSync('amtool', ['check-config', path.join(ROOT, 'deploy/alertmanager/alertmanager.yml')], {
        encoding: 'utf8',
      }),
    ).toContain('SUCCESS');
  });

  // The flag itself is exercised on a real Prometheus by exemplars.e2e.test.ts.
  it('runs Prometheus with exemplar storage, for the RequestId exemplars the dashboard shows', () => {
    expect(compose.services.prometheus?.command).toContain('--enable-feature=exemplar-storage');
  });

  it('provisions Grafana with the Prometheus data source and the dashboard', () => {
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { type: string; url: string }[];
    };
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(compose.services.grafana?.volumes).toContain(
      './dashboards/oss-errors.json:/var/lib/grafana/dashboards/oss-errors.json:ro',
    );
  });

  it("runs the demo gateway's incident into the exporter: throttling, 5xx and auth errors", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-demo-'));
    const log = path.join(dir, 'access.log');
    const gateway = spawn(
      process.execPath,
      [
        path.join(ROOT, 'examples/demo-gateway/generate.mjs'),
        '--out',
        log,
        '--rate',
        '2000',
        '--calm-seconds',
        '0',
      ],
      {
        stdio: 'ignore',
      },
    );
    await waitFor('a few thousand lines', () =>
      fs.existsSync(log) && fs.statSync(log).size > 600_000 ? true : undefined,
    );
    gateway.kill();
    const events = execFileSync(process.execPath, [CLI, '--no-summary', log], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    })
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { code: string; category: string });
    expect(new Set(events.map((e) => e.category))).toEqual(
      new Set(['throttling', 'server', 'auth', 'not-found']),
    );
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('is multi-stage on a current Node LTS, slim, and ends as a numeric non-root user (runAsNonRoot needs a number)', () => {
    expect(stages).toHaveLength(2);
    for (const stage of stages) expect(stage).toMatch(/^node:(22|24|26)-slim\b/);
    const users = [...dockerfile.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(dockerfile).toMatch(/^EXPOSE 9817$/m);
    // Node runs with the bin's own flags (its shebang's), which NODE_OPTIONS cannot all carry.
    const flags = (read('src/cli.ts').split('\n', 1)[0] as string)
      .split(' ')
      .filter((w) => w.startsWith('--'));
    expect(flags).toContain('--single-threaded-gc');
    expect(dockerfile).toContain(
      `ENTRYPOINT ${JSON.stringify(['node', ...flags, 'dist/cli.js']).replaceAll(',', ', ')}`,
    );
  });

  it('ships only the build output and production dependencies', () => {
    const runtime = stages[1] as string;
    expect([...runtime.matchAll(/^COPY --from=build \/app\/(\S+)/gm)].map((m) => m[1]).sort()).toEqual([
      'dist',
      'node_modules',
      'package.json',
    ]);
    expect(stages[0]).toContain('npm prune --omit=dev');
  });

  it("builds: its build stage's COPY and RUN steps replayed in a scratch folder give a working exporter", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-image-'));
    for (const line of (stages[0] as string).split('\n')) {
      const copy = /^COPY (.+) (\S+)$/.exec(line);
      const run = /^RUN (.+)$/.exec(line);
      if (copy) {
        for (const source of (copy[1] as string).split(' '))
          fs.cpSync(path.join(ROOT, source), path.join(dir, path.basename(source)), { recursive: true });
      } else if (run) {
        execFileSync('sh', ['-c', run[1] as string], {
          cwd: dir,
          stdio: 'pipe',
          env: { ...process.env, npm_config_prefer_offline: 'true' },
        });
      }
    }
    expect(fs.existsSync(path.join(dir, 'node_modules/typescript'))).toBe(false);
    const nodeOptions = /NODE_OPTIONS=(\S+)/.exec(dockerfile)?.[1] as string;
    const out = execFileSync(
      process.execPath,
      ['dist/cli.js', '--no-summary', path.join(ROOT, 'examples/gateway-access.log')],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: nodeOptions },
      },
    );
    expect(out.split('\n').filter(Boolean)).toHaveLength(7);
  }, 120_000);
});
