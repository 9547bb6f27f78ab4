/* CivicDesk widget loader: <script src="https://…/widget.js" async></script>
   Optional attributes on that tag: data-locale="es". It loads the widget's
   module and styles from the same origin and mounts them in an open shadow
   root, isolated from the host page. */
(function () {
  'use strict';
  var w = window;
  if (w.CivicDesk && w.CivicDesk.version) return;
  var script = document.currentScript;
  var src = (script && script.src) || '/widget.js';
  var base = new URL(src, location.href).origin;
  var queue = [];
  var api = (w.CivicDesk = w.CivicDesk || {});
  api.version = '1';
  ['open', 'close', 'setLocale', 'setUser', 'on', 'off'].forEach(function (fn) {
    if (!api[fn]) api[fn] = function () { queue.push([fn, [].slice.call(arguments)]); };
  });
  var opts = {
    base: base,
    locale: (script && script.getAttribute('data-locale')) || ''
  };
  function start() {
    import(base + '/widget/app.js').then(function (m) { m.mount(opts, api, queue); }, function (e) {
      if (w.console) w.console.error('CivicDesk widget failed to load', e);
    });
  }
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
