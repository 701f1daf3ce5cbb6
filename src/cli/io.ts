/** Where a CLI command writes, so commands can be driven and read in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

/** Collects output in memory (tests, embedding). */
export function captureIo(): CliIo & { out: string; err: string; exitCode: number } {
  const io = {
    out: '',
    err: '',
    exitCode: 0,
    stdout(text: string) {
      io.out += text.endsWith('\n') ? text : `${text}\n`;
    },
    stderr(text: string) {
      io.err += text.endsWith('\n') ? text : `${text}\n`;
    },
    setExitCode(code: number) {
      io.exitCode = code;
    },
  };
  return io;
}
