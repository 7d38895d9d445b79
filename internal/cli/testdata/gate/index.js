// The demo uses three of its four dependencies; left-pad is never imported.
import chalk from 'chalk';
const gpl = require('gpl-lib');
const fresh = require('fresh-pkg');

console.log(chalk.green(gpl.name), fresh.version); // require('left-pad') in a comment is not a use
