// The p3s version, reported by the CLI, the server's health route and each pilot.
// Kept equal to package.json's by test/architecture/version.test.ts (core reads no files).
export const P3S_VERSION = '0.1.0';
