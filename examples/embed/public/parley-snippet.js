// The Parley snippet: a stub that queues commands until the loader (from the relay) has run.
(function (w, d, n) {
  w[n] =
    w[n] ||
    function () {
      (w[n].q = w[n].q || []).push(arguments);
    };
  var s = d.createElement('script');
  s.async = true;
  s.src = '%RELAY%/widget/parley.js';
  s.dataset.parleyName = n;
  d.head.appendChild(s);
})(window, document, 'Parley');
