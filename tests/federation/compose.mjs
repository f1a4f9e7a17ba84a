// Compose the hub subgraph with the example agency subgraph, using Apollo's own composition.
//
//   node compose.mjs HUB_SDL_FILE AGENCY_SDL_FILE
//
// Prints the supergraph SDL on stdout and exits 0 when the two compose; prints every
// composition error (code and message) on stderr and exits 1 when they do not.
// Hints (warnings that do not stop composition) go to stderr prefixed "hint:".
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

function subgraph(name, path) {
  const sdl = readFileSync(path, "utf8");
  return { name, url: `http://127.0.0.1/${name}/graphql`, typeDefs: parse(sdl) };
}

function main(argv) {
  if (argv.length !== 2) {
    console.error("usage: node compose.mjs HUB_SDL_FILE AGENCY_SDL_FILE");
    return 2;
  }
  const [hubPath, agencyPath] = argv;
  let result;
  try {
    result = composeServices([subgraph("hub", hubPath), subgraph("agency", agencyPath)]);
  } catch (error) {
    console.error(`composition threw: ${error?.message ?? error}`);
    return 1;
  }
  for (const hint of result.hints ?? []) {
    console.error(`hint: ${hint.definition?.code ?? ""} ${hint.message}`);
  }
  if (result.errors && result.errors.length > 0) {
    for (const error of result.errors) {
      console.error(`error: ${error.extensions?.code ?? "UNKNOWN"} ${error.message}`);
    }
    return 1;
  }
  process.stdout.write(result.supergraphSdl);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
