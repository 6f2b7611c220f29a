// Progressive enhancement for share panels: a "Copy link" button beside each
// link field, and the device's own share sheet where the browser offers one.
// Everything here also works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var fields = document.querySelectorAll("input[data-copy]");
    Array.prototype.forEach.call(fields, function (field) {
      // Labels come from the page, in its language.
      var text = [field.dataset.copyLabel, field.dataset.copiedLabel, field.dataset.shareLabel];
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = text[0];
      var status = document.createElement("span");
      status.setAttribute("role", "status");
      status.className = "copy-status";
      button.addEventListener("click", function () {
        field.select();
        var done = function () { status.textContent = text[1]; };
        if (navigator.clipboard) {
          navigator.clipboard.writeText(field.value).then(done, function () {});
        } else if (document.execCommand("copy")) {
          done();
        }
      });
      field.parentNode.appendChild(button);
      field.parentNode.appendChild(status);
      if (navigator.share) {
        var share = document.createElement("button");
        share.type = "button";
        share.textContent = text[2];
        share.addEventListener("click", function () {
          navigator.share({ title: document.title, url: field.value }).catch(function () {});
        });
        field.parentNode.appendChild(share);
      }
    });
  });
})();
