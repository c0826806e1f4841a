// Canopy needs Node.js 24 (node:sqlite, TypeScript type stripping). This file is plain
// JavaScript that parses on any Node, so every entry point can import it first and fail
// with one clear line instead of a syntax error deep in a TypeScript module.
const required = 24;
const found = process.versions.node;
const major = Number(found.split('.')[0]);

if (!(major >= required)) {
  process.stderr.write(
    `canopy: Node.js ${required} or newer is required, found v${found}. ` +
      `Get it with: npm install --prefix "$HOME/.canopy-node" node@${required} && ` +
      `export PATH="$HOME/.canopy-node/node_modules/.bin:$PATH"\n`,
  );
  process.exit(1);
}
