// Validates an AsyncAPI document with the reference parser (@asyncapi/parser):
// `node asyncapi-validate.cjs <folder with node_modules> <document>`. Prints every
// diagnostic; exits 1 when the document does not parse or has an error.
const path = require('path');
const [modules, file] = process.argv.slice(2);
const { Parser, fromFile } = require(path.join(modules, 'node_modules', '@asyncapi', 'parser'));
const severities = ['error', 'warning', 'information', 'hint'];

(async () => {
  const { document, diagnostics } = await fromFile(new Parser(), file).parse();
  for (const d of diagnostics) {
    console.error(`${severities[d.severity]}: ${d.message} at ${d.path.join('.') || '(root)'}`);
  }
  if (!document || diagnostics.some((d) => d.severity === 0)) {
    process.exit(1);
  }
  console.log(
    `asyncapi: ${path.basename(file)} is valid AsyncAPI ${document.version()}: ` +
      `${document.channels().length} channels, ${document.operations().length} operations, ` +
      `${document.components().messages().length} messages`,
  );
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
