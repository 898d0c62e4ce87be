// vfs_web.lib.js: the JavaScript half of vfs_web.c, linked with emcc
// --js-library. Each function forwards to the file pool the worker put on
// the module as Module.rvfs (node/browser/pool.js) before any C call, turning C
// strings and heap ranges into JS strings and Uint8Array views.
//
// Errors are returned as -WEB_E* (small numbers, see pool.js ERR), never
// thrown: an exception crossing into C would unwind the core mid-write.
// Heap views are taken per call, since the heap may have grown (and its
// ArrayBuffer been replaced) since the last one.
mergeInto(LibraryManager.library, {
  rvw_js_open: function (path, flags) {
    return Module['rvfs'].open(UTF8ToString(path), flags);
  },
  rvw_js_close: function (fd) {
    return Module['rvfs'].close(fd);
  },
  rvw_js_read: function (fd, buf, len, off) {
    return Module['rvfs'].read(fd, HEAPU8.subarray(buf, buf + len), off);
  },
  rvw_js_write: function (fd, buf, len, off) {
    return Module['rvfs'].write(fd, HEAPU8.subarray(buf, buf + len), off);
  },
  rvw_js_flush: function (fd) {
    return Module['rvfs'].flush(fd);
  },
  rvw_js_truncate: function (fd, size) {
    return Module['rvfs'].truncate(fd, size);
  },
  rvw_js_size: function (fd) {
    return Module['rvfs'].size(fd);
  },
  rvw_js_rename: function (from, to) {
    return Module['rvfs'].rename(UTF8ToString(from), UTF8ToString(to));
  },
  rvw_js_unlink: function (path) {
    return Module['rvfs'].unlink(UTF8ToString(path));
  },
  rvw_js_mkdir: function (path) {
    return Module['rvfs'].mkdir(UTF8ToString(path));
  },
  rvw_js_rmdir: function (path) {
    return Module['rvfs'].rmdir(UTF8ToString(path));
  },
  rvw_js_stat: function (path) {
    return Module['rvfs'].stat(UTF8ToString(path));
  },
  rvw_js_list: function (dir) {
    return Module['rvfs'].list(UTF8ToString(dir));
  },
  rvw_js_list_entry: function (i, buf, size) {
    const e = Module['rvfs'].listEntry(i);
    if (typeof e === 'number') return e;
    if (lengthBytesUTF8(e.name) + 1 > size) return -9; // WEB_EINVAL: a name longer than the core's
    stringToUTF8(e.name, buf, size);
    return e.isDir ? 1 : 0;
  },
});
