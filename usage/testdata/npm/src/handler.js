'use strict';

/**
 * Formats dates lazily so the server starts fast.
 * Example: require('left-pad')(x, 3)
 */
module.exports.handler = async function handler(req, res) {
  const { default: dayjs } = await import('dayjs');
  const ratio = req.query.total / 2 / 3;
  res.json({ at: dayjs().format(), ratio });
};
