// Copies the sources to dist/ with a banner: a stand-in for a real bundler.
const fs = require("fs");
const path = require("path");

fs.mkdirSync("dist", { recursive: true });
for (const f of ["server.js", "lib/count.js"]) {
  const out = path.join("dist", path.basename(f));
  fs.writeFileSync(out, "// built from " + f + "\n" + fs.readFileSync(f, "utf8"));
}
