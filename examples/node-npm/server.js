const http = require("http");
const { count } = require("./count");

const port = Number(process.env.PORT || 3000);
http
  .createServer((req, res) => {
    const n = count(req.url.slice(1));
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ count: n }) + "\n");
  })
  .listen(port, () => console.log(`listening on ${port}`));
