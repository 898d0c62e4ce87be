// dying-worker.js: a stand-in for node/browser/worker.js that fails on its
// first message, as a worker does when its module traps or the browser
// kills it: the page must see rejected Promises with RV_ECLOSED, never a hang.
self.onmessage = () => {
  throw new Error('this worker stops here');
};
