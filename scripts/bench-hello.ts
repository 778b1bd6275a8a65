// The baseline for bench-pages: a bare Express 5 app with one "hello" route, in its own process like Verilab.
import express from 'express';

const app = express();
app.get('/', (_req, res) => {
  res.send('hello');
});
app.listen(Number(process.env.PORT), '127.0.0.1');
