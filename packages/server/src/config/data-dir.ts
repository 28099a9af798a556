import { accessSync, constants, statSync } from "node:fs";
import { dirname } from "node:path";
import { whereToSet } from "./env.js";

/**
 * The message for a file-system error met while using the data folder: it names the
 * setting and the fix, never just `EACCES`. `file` is the file in the way, when known.
 */
export function dataDirProblem(error: unknown, dataDir: string, file?: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `dataDir (${whereToSet("dataDir")})`;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `${where}: cannot write to ${dataDir}: permission denied; choose a folder you can write to`;
    case "EROFS":
      return `${where}: cannot write to ${dataDir}: read-only file system; choose a folder you can write to`;
    case "ENOSPC":
    case "EDQUOT":
      return `${where}: cannot write to ${dataDir}: no space left; free some space or choose another folder`;
    case "EEXIST":
      return `${where}: ${dataDir} is a file, not a folder; remove it or choose another folder`;
    case "ENOTDIR":
      return file
        ? `${where}: cannot create ${dataDir}: ${file} is a file, not a folder; choose another folder`
        : `${where}: cannot create ${dataDir}: part of the path is a file, not a folder; choose another folder`;
    default:
      return `${where}: cannot use ${dataDir}: ${(error as Error | undefined)?.message ?? String(error)}; choose another folder`;
  }
}

/**
 * Checks, without creating anything, that the data folder exists as a writable folder
 * or can be created: the nearest existing part of the path must be a folder this
 * process may write to. Returns the problem's message, or undefined.
 */
export function checkDataDir(dataDir: string): string | undefined {
  for (let path = dataDir; ; path = dirname(path)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Not there yet (or below a file): look at the folder it would be created in.
      if ((code === "ENOENT" || code === "ENOTDIR") && dirname(path) !== path) continue;
      return dataDirProblem(error, dataDir);
    }
    if (!isDirectory)
      return path === dataDir
        ? dataDirProblem({ code: "EEXIST" }, dataDir)
        : dataDirProblem({ code: "ENOTDIR" }, dataDir, path);
    try {
      accessSync(path, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      return dataDirProblem(error, dataDir);
    }
  }
}
