/* GraphiQL for cspr-hub: every asset from the hub itself; the bearer token goes in the Headers tab. */
(function () {
  "use strict";
  var PLACEHOLDER = "Bearer <paste a token from POST /oauth/token>";
  var DEFAULT_HEADERS = JSON.stringify({ Authorization: PLACEHOLDER }, null, 2);
  var DEFAULT_QUERY = [
    "# cspr-hub GraphQL API",
    "#",
    "# Paste a bearer token into the Headers tab below:",
    '#   {"Authorization": "Bearer eyJ..."}',
    "# (from POST /oauth/token; see the README). Until then only the public",
    "# fields answer, such as addWorkingDays, reviewerPool and publishedReports.",
    "#",
    "# Run: Ctrl-Enter. Complete: Ctrl-Space.",
    "",
    "query FifthWorkingDay {",
    '  addWorkingDays(from: "2026-12-22", days: 5)',
    "}",
    ""
  ].join("\n");

  var url = window.location.origin + window.location.pathname;
  var socket = new URL(url);
  socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";

  // The placeholder, or an Authorization that is not "Bearer <token>", is not sent: the public fields and the
  // schema still answer before a token is pasted.
  function sendable(headers) {
    var out = {};
    Object.keys(headers || {}).forEach(function (name) {
      var value = headers[name];
      if (name.toLowerCase() === "authorization" &&
          (typeof value !== "string" || value === PLACEHOLDER || !/^Bearer [A-Za-z0-9._~+\/-]+=*$/i.test(value.trim()))) {
        return;
      }
      out[name] = value;
    });
    return out;
  }

  var base = GraphiQL.createFetcher({ url: url, subscriptionUrl: socket.toString() });
  function fetcher(params, options) {
    var opts = Object.assign({}, options || {});
    opts.headers = sendable(opts.headers);
    return base(params, opts);
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: DEFAULT_QUERY,
    defaultHeaders: DEFAULT_HEADERS,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true
  }));
})();
