import express from 'express';
import { readFileSync } from 'node:fs';
import Button from '@mui/material/Button';
// import moment from 'moment';
/* const pad = require('left-pad'); */
const _ = require('lodash');

const banner = "require('chalk')";
const looksLikeImport = /from 'left-pad'/g;
const doc = `import 'moment'`;

export { handler } from './handler';

const app = express();
app.get('/', (_req, res) => {
  res.send(_.escape(readFileSync('index.html', 'utf8')) + String(Button) + banner + looksLikeImport.source + doc);
});
