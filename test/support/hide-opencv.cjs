// Preloaded (node --require) by tests that need a machine without @u4/opencv4nodejs on one where
// scripts/install-opencv.sh has installed it: resolving the package fails as if it were not installed.
// Worker threads inherit the flag, so the vision worker sees the same.
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@u4/opencv4nodejs' || request.startsWith('@u4/opencv4nodejs/')) {
    const error = new Error(`Cannot find module '${request}'`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
