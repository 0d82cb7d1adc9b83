// Prints the plain closing line CI reads ("tests: N passed, N failed, N skipped") after vitest's own report.
import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * A test file that fails to load, a failing hook outside any test and an unhandled error each count as one
 * failure: none of them runs a test, and a closing line that said "0 failed" would hide it.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(modules: readonly TestModule[], unhandledErrors: readonly SerializedError[]): void {
    const count = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const module of modules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') count.passed++;
        else if (state === 'failed') failedTests++;
        else count.skipped++;
      }
      count.failed += failedTests;
      // The file failed without a failing test of its own: it did not load, or a hook around its tests threw.
      if (failedTests === 0 && (module.state() === 'failed' || module.errors().length > 0)) count.failed++;
    }
    process.stdout.write(
      `\ntests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`,
    );
  }
}
