// Kura dashboard: upload with a real progress bar. The browser streams the chosen File from disk with
// XMLHttpRequest (never read into memory here); the page shows bytes, percent, speed and time left.
// Served as a file because the Content-Security-Policy allows no inline script.
(function () {
  'use strict';

  function bytes(n) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : parseFloat(n.toFixed(n < 10 ? 2 : 1))) + ' ' + units[i];
  }

  function duration(seconds) {
    if (!isFinite(seconds)) { return '—'; }
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (h > 0 ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(s).padStart(2, '0');
  }

  function fill(template, args) {
    return template.replace(/\{(\d)\}/g, function (_, i) { return String(args[Number(i)]); });
  }

  function setup(form) {
    var msg = form.dataset;
    var file = form.querySelector('input[type=file]');
    var box = form.querySelector('[data-role=progress]');
    var bar = form.querySelector('progress');
    var status = form.querySelector('[data-role=status]');
    var error = form.querySelector('[data-role=error]');
    var token = form.querySelector('input[name=__af]').value;
    var buttons = form.querySelectorAll('button');

    function busy(on) { buttons.forEach(function (b) { b.disabled = on; }); }

    function fail(text, detail) {
      busy(false);
      form.dataset.state = 'failed';
      error.textContent = text;
      if (detail) {
        var link = document.createElement('a');
        link.href = detail;
        link.textContent = ' ' + fill(msg.msgOpen, ['']).trim() + ' →';
        error.appendChild(link);
      }
      error.hidden = false;
      error.focus();
    }

    function messageOf(text, fallback) {
      try { return JSON.parse(text).message || fallback; } catch (e) { return fallback; }
    }

    function upload(chosen, url, detail) {
      var xhr = new XMLHttpRequest();
      var started = performance.now();
      box.hidden = false;
      bar.value = 0;
      form.dataset.state = 'uploading';
      xhr.open('PUT', url);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('X-Kura-Antiforgery', token);
      xhr.upload.onprogress = function (e) {
        var total = e.lengthComputable ? e.total : chosen.size;
        var percent = total > 0 ? Math.floor(e.loaded * 100 / total) : 100;
        var seconds = (performance.now() - started) / 1000;
        var speed = seconds > 0 ? e.loaded / seconds : 0;
        bar.value = percent;
        status.textContent = e.loaded >= total
          ? msg.msgVerifying
          : fill(msg.msgStatus, [bytes(e.loaded), bytes(total), percent + '%', bytes(speed), duration(speed > 0 ? (total - e.loaded) / speed : Infinity)]);
      };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          form.dataset.state = 'done';
          status.textContent = msg.msgDone + ' ';
          var link = document.createElement('a');
          link.href = detail;
          link.id = 'uploaded-image';
          link.textContent = fill(msg.msgOpen, [chosen.name]);
          status.appendChild(link);
          busy(false);
          link.focus();
          return;
        }
        var reason = messageOf(xhr.responseText, xhr.status + ' ' + xhr.statusText);
        fail(fill(xhr.status === 400 ? msg.msgRefused : msg.msgFailed, [reason]), detail);
      };
      xhr.onerror = function () { fail(msg.msgNetwork, detail); };
      xhr.send(chosen);
    }

    form.addEventListener('submit', function (event) {
      var chosen = file.files && file.files[0];
      if (!chosen) {
        // The create form without a file is an ordinary form post.
        if (form.dataset.upload) { event.preventDefault(); file.focus(); }
        return;
      }
      event.preventDefault();
      error.hidden = true;
      busy(true);
      if (form.dataset.upload) {
        upload(chosen, form.dataset.upload, form.dataset.detail);
        return;
      }
      box.hidden = false;
      status.textContent = msg.msgCreating;
      var data = new FormData(form);
      data.delete('file');
      fetch(form.action, { method: 'POST', body: new URLSearchParams(data), headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
        .then(function (response) {
          return response.text().then(function (text) {
            if (!response.ok) { fail(fill(msg.msgFailed, [messageOf(text, response.status)])); return; }
            var created = JSON.parse(text);
            upload(chosen, created.upload, created.detail);
          });
        })
        .catch(function () { fail(msg.msgNetwork); });
    });
  }

  document.querySelectorAll('form[data-uploader]').forEach(setup);
}());
