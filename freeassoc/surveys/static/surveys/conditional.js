// Progressive enhancement: hide a follow-up question until the answer above calls for it.
// Without JavaScript every question shows, with a hint saying when to answer it; the server
// drops answers that the skip logic hides either way.
document.querySelectorAll("[data-show-if]").forEach(function (block) {
  var form = block.closest("form");
  var name = block.getAttribute("data-show-if");
  var codes = block.getAttribute("data-show-if-codes").split(" ");
  function update() {
    var chosen = Array.prototype.some.call(
      form.querySelectorAll('input[name="' + name + '"]:checked'),
      function (input) { return codes.indexOf(input.value) !== -1; }
    );
    block.hidden = !chosen;
  }
  form.querySelectorAll('input[name="' + name + '"]').forEach(function (input) {
    input.addEventListener("change", update);
  });
  update();
});
