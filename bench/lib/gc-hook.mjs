// Preloaded (with --expose-gc) into servers whose memory is measured: SIGUSR2 runs a full GC.
process.on("SIGUSR2", () => globalThis.gc?.());
