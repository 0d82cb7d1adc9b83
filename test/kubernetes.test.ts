// The Kubernetes manifests under examples/kubernetes/: valid against the Kubernetes and Prometheus Operator schemas
// (no API server here), the sidecar pod inside Pod Security "restricted", the DaemonSet root with read-only mounts;
// then the real things: the sidecar's nginx.conf in Debian's nginx with njs logs error bodies that the exporter,
// run with the sidecar's arguments, counts; the DaemonSet's arguments pick the gateway's CRI logs only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { freePort, listeningUrl, parseScrape, ROOT, spawnCli, waitFor } from './helpers/cli.js';
import { NGINX } from './helpers/nginx.js';
import { describeWithTools } from './helpers/tools.js';

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  restartPolicy?: string;
  ports?: { name?: string; containerPort: number; hostPort?: number }[];
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  readinessProbe?: { httpGet?: { path: string; port: string } };
}
interface PodSpec {
  securityContext?: SecurityContext;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  initContainers?: Container[];
  containers: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  terminationGracePeriodSeconds?: number;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: { template?: { spec: PodSpec } };
  data?: Record<string, string>;
}

const DIR = path.join(ROOT, 'examples/kubernetes');
const read = (file: string): Manifest[] =>
  parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8')).map((d) => d.toJS() as Manifest);
const podOf = (docs: Manifest[], kind: string) =>
  docs.find((d) => d.kind === kind)?.spec?.template?.spec as PodSpec;
const allContainers = (pod: PodSpec) => [...(pod.initContainers ?? []), ...pod.containers];
const byName = (pod: PodSpec, name: string) => allContainers(pod).find((c) => c.name === name) as Container;

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1 ConfigMap': ConfigMap,
  'apps/v1 Deployment': Deployment,
  'apps/v1 DaemonSet': DaemonSet,
  'monitoring.coreos.com/v1 PodMonitor': PodMonitor,
  'monitoring.coreos.com/v1 PrometheusRule': PrometheusRule,
};

/** The models' TypeScript interfaces, for the field names the JSON schemas leave open. */
const TYPES: Record<string, [string, string]> = {
  'v1 ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'apps/v1 Deployment': ['kubernetes-models/apps/v1/Deployment', 'IDeployment'],
  'apps/v1 DaemonSet': ['kubernetes-models/apps/v1/DaemonSet', 'IDaemonSet'],
  'monitoring.coreos.com/v1 PodMonitor': [
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
    'IPodMonitor',
  ],
  'monitoring.coreos.com/v1 PrometheusRule': [
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    'IPrometheusRule',
  ],
};

/**
 * Fields the API server's strict field validation (kubectl's default) would refuse as unknown: the schemas do not
 * forbid extra properties, so each manifest is type-checked as an object literal of its model's interface, where
 * TypeScript flags every property the interface does not declare, at any depth.
 */
function unknownFields(docs: readonly Manifest[]): string[][] {
  const file = path.join(ROOT, 'test', 'manifests.virtual.ts');
  const imports = Object.values(TYPES).map(([module, type]) => `import type { ${type} } from '${module}';`);
  // One line per manifest, so each diagnostic says which manifest it is about.
  const text = [
    ...imports,
    ...docs.map((doc, i) => {
      const type = TYPES[`${doc.apiVersion} ${doc.kind}`]?.[1] ?? 'never';
      return `export const doc${i}: ${type} = ${JSON.stringify(doc)};`;
    }),
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    name === file
      ? ts.createSourceFile(name, text, version)
      : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const out = docs.map((): string[] => []);
  for (const d of ts.getPreEmitDiagnostics(ts.createProgram([file], options, host))) {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const doc = out[line - imports.length];
    if (doc) doc.push(message);
    else throw new Error(`type check outside the manifests: ${message}`);
  }
  return out;
}

/** Volume types Pod Security "restricted" allows. */
const RESTRICTED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

/**
 * What Pod Security Admission's "restricted" level (v1.30) would refuse in a pod, plus our own bar (read-only root
 * filesystems, resources); one message per violation, empty when the pod is admitted.
 */
function restrictedViolations(pod: PodSpec): string[] {
  const out: string[] = [];
  const podCtx = pod.securityContext ?? {};
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[key]) out.push(`${key} is set`);
  for (const volume of pod.volumes ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (!RESTRICTED_VOLUMES.includes(type as string)) out.push(`volume ${volume.name} is a ${type}`);
  }
  if (podCtx.runAsUser === 0) out.push('the pod runs as uid 0');
  for (const c of allContainers(pod)) {
    const ctx = c.securityContext ?? {};
    if (ctx.privileged) out.push(`${c.name}: privileged`);
    if (ctx.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if (!(ctx.capabilities?.drop ?? []).includes('ALL'))
      out.push(`${c.name}: does not drop ALL capabilities`);
    for (const cap of ctx.capabilities?.add ?? [])
      if (cap !== 'NET_BIND_SERVICE') out.push(`${c.name}: adds capability ${cap}`);
    if ((ctx.runAsNonRoot ?? podCtx.runAsNonRoot) !== true) out.push(`${c.name}: runAsNonRoot is not true`);
    if (ctx.runAsUser === 0) out.push(`${c.name}: runs as uid 0`);
    const seccomp = ctx.seccompProfile?.type ?? podCtx.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      out.push(`${c.name}: seccompProfile is not RuntimeDefault or Localhost`);
    for (const port of c.ports ?? []) if (port.hostPort) out.push(`${c.name}: hostPort ${port.hostPort}`);
    if (ctx.readOnlyRootFilesystem !== true) out.push(`${c.name}: root filesystem is writable`);
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory)
      out.push(`${c.name}: no cpu and memory requests and memory limit`);
  }
  return out;
}

const sidecar = read('sidecar.yaml');
const daemonset = read('daemonset.yaml');
const sidecarPod = podOf(sidecar, 'Deployment');
const daemonPod = podOf(daemonset, 'DaemonSet');
const dockerUser = /^USER (\d+)(?::(\d+))?$/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));

describe('Kubernetes manifests against the schemas', () => {
  const docs = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) => read(file).map((doc) => [`${file}: ${doc.kind} ${doc.metadata.name}`, doc] as const));

  it('covers every manifest', () => {
    expect(docs.map(([name]) => name.split(':')[0]).sort()).toEqual(
      expect.arrayContaining(['daemonset.yaml', 'podmonitor.yaml', 'prometheusrule.yaml', 'sidecar.yaml']),
    );
  });

  it.each(docs)('%s validates', (_name, doc) => {
    const Model = MODELS[`${doc.apiVersion} ${doc.kind}`];
    expect(Model, `a schema for ${doc.apiVersion} ${doc.kind}`).toBeDefined();
    expect(() => new (Model as NonNullable<typeof Model>)(doc as never).validate()).not.toThrow();
  });

  it('has no field the API server does not know; a misspelt one is found at any depth (the check can fail)', () => {
    const broken = structuredClone(sidecar.find((d) => d.kind === 'Deployment')) as Manifest;
    const ctx = (broken.spec?.template?.spec.securityContext ?? {}) as Record<string, unknown>;
    ctx.seccompProfle = ctx.seccompProfile;
    delete ctx.seccompProfile;
    const found = unknownFields([...docs.map(([, doc]) => doc), broken]);
    expect(found.slice(0, -1)).toEqual(docs.map(() => []));
    expect(found.at(-1)?.join('\n')).toMatch(/'"seccompProfle"' does not exist in type/);
  }, 60_000);

  it('the schema check fails on a wrong type (it can fail)', () => {
    const broken = structuredClone(daemonset.find((d) => d.kind === 'DaemonSet')) as Manifest;
    (broken.spec?.template?.spec.containers[0] as Container).securityContext = { runAsUser: 'root' as never };
    expect(() => new DaemonSet(broken as never).validate()).toThrow(/runAsUser must be integer/);
  });
});

describe('the sidecar manifest', () => {
  it('passes Pod Security "restricted" for every container, with read-only root filesystems and resources', () => {
    expect(restrictedViolations(sidecarPod)).toEqual([]);
  });

  const mutations: [string, (pod: PodSpec) => void, string][] = [
    [
      'capabilities kept',
      (p) => delete byName(p, 'gateway').securityContext?.capabilities,
      'gateway: does not drop ALL',
    ],
    [
      'no seccomp profile',
      (p) => delete p.securityContext?.seccompProfile,
      'seccompProfile is not RuntimeDefault',
    ],
    ['root allowed', (p) => delete p.securityContext?.runAsNonRoot, 'runAsNonRoot is not true'],
    [
      'privilege escalation',
      (p) => {
        (byName(p, 'oss-error-exporter').securityContext as SecurityContext).allowPrivilegeEscalation = true;
      },
      'oss-error-exporter: allowPrivilegeEscalation',
    ],
    [
      'a hostPath volume',
      (p) => p.volumes?.push({ name: 'h', hostPath: { path: '/' } }),
      'volume h is a hostPath',
    ],
    [
      'a hostPort',
      (p) => byName(p, 'gateway').ports?.push({ containerPort: 80, hostPort: 80 }),
      'gateway: hostPort 80',
    ],
    [
      'a writable root filesystem',
      (p) => delete byName(p, 'gateway').securityContext?.readOnlyRootFilesystem,
      'gateway: root filesystem is writable',
    ],
    ['no resources', (p) => delete byName(p, 'oss-error-exporter').resources, 'oss-error-exporter: no cpu'],
  ];
  it.each(mutations)('the check refuses the sidecar with %s', (_name, mutate, expected) => {
    const pod = structuredClone(sidecarPod);
    mutate(pod);
    expect(restrictedViolations(pod).join('\n')).toContain(expected);
  });

  it('runs the exporter as the image’s numeric non-root user, as a native sidecar that outlives the gateway', () => {
    expect(dockerUser?.[1]).toMatch(/^[1-9]\d*$/);
    const exporter = byName(sidecarPod, 'oss-error-exporter');
    expect(exporter.securityContext?.runAsUser).toBe(Number(dockerUser?.[1]));
    expect(sidecarPod.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['oss-error-exporter', 'Always'],
    ]);
    expect(exporter.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9817 }]);
  });
});

describe('the DaemonSet manifest', () => {
  const exporter = byName(daemonPod, 'oss-error-exporter');
  const mounts = exporter.volumeMounts ?? [];

  it('runs as root with every capability dropped, no escalation, a read-only root, and says why', () => {
    expect(daemonPod.securityContext).toMatchObject({
      runAsUser: 0,
      runAsNonRoot: false,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(exporter.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(fs.readFileSync(path.join(DIR, 'daemonset.yaml'), 'utf8')).toMatch(/^# Why root: .*0640/m);
  });

  it('mounts /var/log/pods read-only and only the positions folder writable, both hostPaths', () => {
    const hostPath = (name: string) =>
      (daemonPod.volumes?.find((v) => v.name === name)?.hostPath as { path: string } | undefined)?.path;
    expect(mounts.map((m) => [hostPath(m.name), m.mountPath, m.readOnly ?? false])).toEqual([
      ['/var/log/pods', '/var/log/pods', true],
      ['/var/lib/oss-error-exporter', '/var/lib/oss-error-exporter', false],
    ]);
    const args = exporter.args ?? [];
    expect(path.dirname(args[args.indexOf('--positions') + 1] as string)).toBe('/var/lib/oss-error-exporter');
    expect(args[args.indexOf('--follow') + 1]).toMatch(/^\/var\/log\/pods\//);
  });
});

/** A manifest's exporter arguments with its host paths moved under `dir` and a loopback port. */
const localArgs = (args: readonly string[], moves: [string, string][]) =>
  args.map((a) => (a === ':9817' ? '127.0.0.1:0' : moves.reduce((s, [from, to]) => s.replace(from, to), a)));

async function scrape(url: string) {
  return parseScrape(await (await fetch(`${url}/metrics`)).text());
}

describe("the DaemonSet's arguments on a CRI /var/log/pods tree", () => {
  const exporter = () => byName(daemonPod, 'oss-error-exporter');
  it('count the gateway pods’ error bodies and nothing from other pods; ready while serving', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-k8s-ds-'));
    const cri = (line: string) => `2026-11-25T10:00:00.000000000Z stdout F ${line}\n`;
    const body = (code: string) =>
      `<?xml version=\\x221.0\\x22 encoding=\\x22UTF-8\\x22?>\\x0A<Error><Code>${code}</Code><Message>m</Message><RequestId>R-${code}</RequestId></Error>`;
    const line = (status: number, code: string) =>
      `10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "GET /b/k HTTP/1.1" ${status} 10 "-" "aws-sdk" "${body(code)}"`;
    const files: [string, string][] = [
      ['shop_oss-gateway-7d9f8-abcde_1111/gateway/0.log', cri(line(404, 'NoSuchKey'))],
      ['media_oss-gateway-5c6b7-fghij_2222/gateway/1.log', cri(line(403, 'AccessDenied'))],
      ['shop_oss-gateway-7d9f8-abcde_1111/istio-proxy/0.log', cri(line(500, 'InternalError'))],
      ['shop_billing-api-66f-xyz12_3333/api/0.log', cri(line(503, 'SlowDown'))],
    ];
    for (const [file, text] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, 'pods', file)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'pods', file), text);
    }
    fs.mkdirSync(path.join(dir, 'state'));
    const cli = spawnCli([
      ...localArgs(exporter().args ?? [], [
        ['/var/log/pods', path.join(dir, 'pods')],
        ['/var/lib/oss-error-exporter', path.join(dir, 'state')],
      ]),
      '--poll-interval',
      '50ms',
    ]);
    try {
      const url = new URL(await listeningUrl(cli)).origin;
      // Both matched files read to their end: then whatever is counted is all there is to count.
      const metrics = await waitFor('both gateway files read', async () => {
        const m = await scrape(url);
        const read = [...m].filter(
          ([k, v]) => k.startsWith('oss_exporter_file_lines_read_total{') && v === 1,
        );
        const errors = [...m]
          .filter(([k]) => k.startsWith('oss_errors_total{'))
          .reduce((n, [, v]) => n + v, 0);
        return read.length === 2 && errors >= 2 ? m : undefined;
      });
      const counted = [...metrics].filter(([k, v]) => k.startsWith('oss_errors_total{') && v > 0);
      expect(counted.map(([k, v]) => [/code="(\w+)"/.exec(k)?.[1], v]).sort()).toEqual([
        ['AccessDenied', 1],
        ['NoSuchKey', 1],
      ]);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
    expect(fs.existsSync(path.join(dir, 'state/positions.json'))).toBe(true);
  });
});

describeWithTools(['nginx', 'nginx-njs'])(
  "the sidecar's gateway config in a real nginx with njs, and the exporter with the sidecar's arguments",
  () => {
    const config = sidecar.find((d) => d.kind === 'ConfigMap')?.data as Record<string, string>;

    it('logs each error response’s body (capped at 4 KiB, \\x22-escaped) and nothing for successes; the exporter counts each error', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oee-k8s-nginx-'));
      for (const sub of ['oss', 'logs', 'tmp', 'state', 'modules']) fs.mkdirSync(path.join(dir, sub));
      fs.symlinkSync(
        '/usr/lib/nginx/modules/ngx_http_js_module.so',
        path.join(dir, 'modules/ngx_http_js_module.so'),
      );
      const long = 'x'.repeat(6000);
      const answers: Record<string, [number, string]> = {
        '/bucket/ok.txt': [200, 'hello'],
        '/bucket/missing.txt': [
          404,
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Resource>/bucket/missing.txt</Resource><RequestId>RID-404</RequestId></Error>',
        ],
        '/bucket/secret.txt': [
          403,
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>RID-403</RequestId></Error>',
        ],
        '/bucket/busy.txt': [
          503,
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>RID-503</RequestId></Error>',
        ],
        '/bucket/huge.txt': [
          500,
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code><RequestId>RID-500</RequestId><Padding>${long}</Padding></Error>`,
        ],
      };
      const upstream = http.createServer((req, res) => {
        const [status, text] = answers[req.url as string] ?? [500, ''];
        res.writeHead(status, { 'content-type': 'application/xml' }).end(text);
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const upstreamPort = (upstream.address() as { port: number }).port;
      const port = await freePort();
      const moves: [string, string][] = [
        ['/etc/nginx/oss', path.join(dir, 'oss')],
        ['/var/log/nginx', path.join(dir, 'logs')],
        ['/tmp/', `${path.join(dir, 'tmp')}/`],
        ['minio.storage.svc.cluster.local:9000', `127.0.0.1:${upstreamPort}`],
        ['listen 8080;', `listen 127.0.0.1:${port};`],
      ];
      // One pass, so a replacement (under the system's /tmp) is not itself replaced.
      const pattern = new RegExp(
        moves.map(([from]) => from.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'),
        'g',
      );
      const move = (text: string) =>
        text.replace(pattern, (m) => moves.find(([from]) => from === m)?.[1] as string);
      fs.writeFileSync(path.join(dir, 'oss/nginx.conf'), move(config['nginx.conf'] as string));
      fs.writeFileSync(path.join(dir, 'oss/oss-body.js'), config['oss-body.js'] as string);
      const gateway = byName(sidecarPod, 'gateway');
      const [bin, ...gatewayArgs] = (gateway.command ?? []).map(move);
      expect(bin).toBe('nginx');
      const nginx = spawn(NGINX, ['-p', dir, ...gatewayArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
      let nginxErr = '';
      nginx.stderr.on('data', (d) => {
        nginxErr += d;
      });
      const nginxExited = new Promise((resolve) => nginx.on('close', resolve));
      const cli = spawnCli([
        ...localArgs(byName(sidecarPod, 'oss-error-exporter').args ?? [], [
          ['/var/log/nginx', path.join(dir, 'logs')],
          ['/state', path.join(dir, 'state')],
        ]),
        '--poll-interval',
        '50ms',
      ]);
      try {
        await waitFor(
          'nginx to listen',
          async () => (await fetch(`http://127.0.0.1:${port}/bucket/ok.txt`).catch(() => undefined))?.status,
          10_000,
        ).catch((e: Error) => {
          throw new Error(`${e.message}: ${nginxErr}`);
        });
        const statuses: number[] = [];
        for (const p of Object.keys(answers)) {
          const res = await fetch(`http://127.0.0.1:${port}${p}`);
          expect(await res.text()).toBe(answers[p]?.[1]); // the client gets the body untouched
          statuses.push(res.status);
        }
        expect(statuses).toEqual([200, 404, 403, 503, 500]);
        const log = path.join(dir, 'logs/access.log');
        const lines = await waitFor('six log lines', () => {
          const l = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
          return l.length === 6 ? l : undefined;
        });
        expect(lines.filter((l) => l.endsWith(' "-"'))).toHaveLength(2);
        expect(lines[2]).toContain(
          '<?xml version=\\x221.0\\x22 encoding=\\x22UTF-8\\x22?>\\x0A<Error><Code>NoSuchKey',
        );
        const huge = /"([^"]*)"$/.exec(lines[5] as string)?.[1] as string;
        expect(huge.replaceAll('\\x22', '"').replaceAll('\\x0A', '\n')).toHaveLength(4096);

        const url = new URL(await listeningUrl(cli)).origin;
        const metrics = await waitFor('the errors on a scrape', async () => {
          const m = await scrape(url);
          return (m.get('oss_requests_total{class="5xx"}') ?? 0) >= 1 ? m : undefined;
        });
        expect(
          metrics.get('oss_errors_total{code="NoSuchKey",status="404",class="4xx",category="not-found"}'),
        ).toBe(1);
        expect(
          metrics.get('oss_errors_total{code="AccessDenied",status="403",class="4xx",category="auth"}'),
        ).toBe(1);
        expect(
          metrics.get('oss_errors_total{code="SlowDown",status="503",class="5xx",category="throttling"}'),
        ).toBe(1);
        expect(metrics.get('oss_requests_total{class="2xx"}')).toBe(2);
        const events = await waitFor('four events', () => {
          const all = cli
            .stdout()
            .split('\n')
            .filter(Boolean)
            .map(
              (l) => JSON.parse(l) as { code: string; requestId: string; status: number; truncated?: true },
            );
          return all.length >= 4 ? all : undefined;
        });
        // The oversized body, cut at 4 KiB by the gateway, is one truncated event with the code it kept.
        expect(events.map((e) => [e.code, e.status, e.requestId, e.truncated ?? false])).toEqual([
          ['NoSuchKey', 404, 'RID-404', false],
          ['AccessDenied', 403, 'RID-403', false],
          ['SlowDown', 503, 'RID-503', false],
          ['InternalError', 500, 'RID-500', true],
        ]);
      } finally {
        cli.child.kill('SIGTERM');
        nginx.kill('SIGTERM');
        upstream.close();
        await Promise.all([cli.exited, nginxExited]);
      }
    });
  },
);

describe('the image', () => {
  it('ends as a numeric non-root user and group, the owner of /state', () => {
    expect(dockerUser?.slice(1)).toEqual(['1000', '1000']);
    expect(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')).toContain('chown 1000:1000 /state');
  });

  it('is what the sidecar and DaemonSet run', () => {
    const images = [...allContainers(sidecarPod), ...allContainers(daemonPod)]
      .filter((c) => c.name === 'oss-error-exporter')
      .map((c) => c.image);
    expect(new Set(images)).toEqual(new Set(['ghcr.io/example/oss-error-exporter:0.1.0']));
  });
});
