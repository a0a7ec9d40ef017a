// Prints each duration given in milliseconds in words ("90000" is
// "2 minutes"), or reads them from standard input, one a line, when there
// are no arguments. --version prints the name and version.
import ms from "ms";
import { readFileSync } from "fs";
import { join } from "path";

interface Manifest {
  name: string;
  version: string;
}

function describe(arg: string): string {
  const n = Number(arg);
  if (!Number.isFinite(n)) {
    return `${arg}: not a number of milliseconds`;
  }
  return ms(n, { long: true });
}

function main(args: string[]): void {
  if (args.length === 1 && args[0] === "--version") {
    const pkg: Manifest = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
    console.log(`${pkg.name} ${pkg.version}`);
    return;
  }
  const inputs = args.length > 0 ? args : readFileSync(0, "utf8").split("\n").filter((l) => l.trim() !== "");
  for (const a of inputs) {
    console.log(describe(a.trim()));
  }
}

main(process.argv.slice(2));
