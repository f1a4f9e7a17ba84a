// An Apollo gateway in front of the hub and the example agency subgraph.
//
//   node gateway.mjs PORT HUB_GRAPHQL_URL AGENCY_GRAPHQL_URL
//
// Composes the supergraph at start-up from each subgraph's `{ _service { sdl } }`
// (IntrospectAndCompose: public on both, no token), then serves on 127.0.0.1:PORT and
// forwards the caller's Authorization header to every subgraph fetch, so each subgraph
// applies its own visibility rules to the caller. Prints "gateway ready at URL" once
// listening; exits 1 if composition or start-up fails.
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

class ForwardAuthorization extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    const authorization = context?.authorization;
    if (authorization) {
      request.http.headers.set("authorization", authorization);
    }
  }
}

async function main(argv) {
  if (argv.length !== 3) {
    console.error("usage: node gateway.mjs PORT HUB_GRAPHQL_URL AGENCY_GRAPHQL_URL");
    return 2;
  }
  const [port, hubUrl, agencyUrl] = argv;
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: "hub", url: hubUrl },
        { name: "agency", url: agencyUrl },
      ],
    }),
    buildService: ({ url }) => new ForwardAuthorization({ url }),
  });
  const server = new ApolloServer({ gateway, introspection: true });
  const { url } = await startStandaloneServer(server, {
    listen: { host: "127.0.0.1", port: Number(port) },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  console.log(`gateway ready at ${url}`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error) => {
    console.error(`gateway failed: ${error?.stack ?? error}`);
    process.exit(1);
  },
);
