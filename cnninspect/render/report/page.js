// cnninspect report: sort, filter and fold the layer tables. No network, no library.
// #selftest in the address runs a check of all three and writes its verdict into <pre id="selftest">.
"use strict";
(function () {
  var errors = [];
  window.addEventListener("error", function (event) { errors.push(String(event.message)); });

  function Table(table) {
    this.table = table;
    this.body = table.tBodies[0];
    this.rows = Array.prototype.slice.call(this.body.rows);
    this.layers = this.rows.filter(function (r) { return r.classList.contains("layer"); });
    this.folded = {};
    this.query = "";
    this.sorted = null;  // [key, direction] or null: forward order, blocks shown
    var controls = table.previousElementSibling, self = this;
    this.filterBox = controls.querySelector(".filter");
    this.shown = controls.querySelector(".shown");
    this.filterBox.addEventListener("input", function () { self.filter(self.filterBox.value); });
    controls.querySelector(".fold-all").addEventListener("click", function () { self.foldAll(true); });
    controls.querySelector(".unfold-all").addEventListener("click", function () { self.foldAll(false); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.addEventListener("click", function () { self.sortBy(th.dataset.key); });
    });
    this.rows.forEach(function (row) {
      var toggle = row.querySelector("button.toggle");
      if (toggle) toggle.addEventListener("click", function () { self.fold(row.dataset.block); });
    });
    this.update();
  }

  Table.prototype.value = function (row, key) {
    var th = this.table.querySelector('th[data-key="' + key + '"]');
    var text = row.dataset[key] || "";
    return th.dataset.type === "num" ? Number(text) : text.toLowerCase();
  };

  Table.prototype.sortBy = function (key, direction) {
    var current = this.sorted;
    if (!direction) direction = current && current[0] === key && current[1] === "desc" ? "asc" : "desc";
    if (key === "order" && direction === "asc") { this.sorted = null; } else { this.sorted = [key, direction]; }
    var self = this, sign = direction === "asc" ? 1 : -1;
    var order = this.sorted === null ? this.rows : this.layers.slice().sort(function (a, b) {
      var x = self.value(a, key), y = self.value(b, key);
      if (x < y) return -sign;
      if (x > y) return sign;
      return Number(a.dataset.order) - Number(b.dataset.order);
    });
    var fragment = document.createDocumentFragment();
    order.forEach(function (row) { fragment.appendChild(row); });
    if (this.sorted !== null) {
      this.rows.forEach(function (row) { if (!row.classList.contains("layer")) fragment.appendChild(row); });
    }
    this.body.appendChild(fragment);
    Array.prototype.forEach.call(this.table.tHead.rows[0].cells, function (th) {
      th.classList.remove("asc", "desc");
      if (th.dataset.key === key && self.sorted !== null) th.classList.add(direction);
    });
    this.update();
  };

  Table.prototype.filter = function (text) { this.query = text.toLowerCase(); this.update(); };

  Table.prototype.fold = function (block, state) {
    this.folded[block] = state === undefined ? !this.folded[block] : state;
    this.update();
  };

  Table.prototype.foldAll = function (state) {
    var self = this;
    this.rows.forEach(function (row) {
      if (row.dataset.block && row.dataset.depth === "0") self.folded[row.dataset.block] = state;
      else if (row.dataset.block) self.folded[row.dataset.block] = false;
    });
    this.update();
  };

  Table.prototype.visible = function (row) {
    var isBlock = row.classList.contains("block");
    if (this.sorted !== null || this.query) {
      if (isBlock) return false;
      var q = this.query;
      return !q || row.dataset.path.toLowerCase().indexOf(q) >= 0 || row.dataset.type.toLowerCase().indexOf(q) >= 0;
    }
    var parents = row.dataset.parents ? row.dataset.parents.split(" ") : [];
    for (var i = 0; i < parents.length; i++) if (this.folded[parents[i]]) return false;
    return true;
  };

  Table.prototype.update = function () {
    var self = this, count = 0;
    this.rows.forEach(function (row) {
      var show = self.visible(row);
      row.classList.toggle("hidden", !show);
      if (show && row.classList.contains("layer")) count++;
      var toggle = row.querySelector("button.toggle");
      if (toggle) {
        var folded = !!self.folded[row.dataset.block];
        toggle.textContent = folded ? "▸" : "▾";
        toggle.setAttribute("aria-expanded", String(!folded));
      }
    });
    this.shown.textContent = count + " of " + this.layers.length + " layers shown";
  };

  function selftest(tables) {
    var failures = [], checks = 0;
    function expect(ok, what) { checks++; if (!ok) failures.push(what); }
    tables.forEach(function (t, n) {
      t.sortBy("params", "desc");
      var values = visibleLayers(t).map(function (r) { return Number(r.dataset.params); });
      expect(values.length === t.layers.length, "table " + n + ": every layer shown when sorted");
      for (var i = 1; i < values.length; i++) if (values[i - 1] < values[i]) { expect(false, "table " + n + ": params not descending"); break; }
      t.sortBy("path", "asc");
      var paths = visibleLayers(t).map(function (r) { return r.dataset.path.toLowerCase(); });
      for (var j = 1; j < paths.length; j++) if (paths[j - 1] > paths[j]) { expect(false, "table " + n + ": paths not ascending"); break; }
      t.sortBy("order", "asc");
      var orders = Array.prototype.map.call(t.body.rows, function (r) { return r; });
      expect(orders.every(function (r, k) { return r === t.rows[k]; }), "table " + n + ": forward order restored");
      t.filter("conv");
      expect(visibleLayers(t).every(function (r) {
        return (r.dataset.path + r.dataset.type).toLowerCase().indexOf("conv") >= 0;
      }), "table " + n + ": filter");
      t.filter("");
      var block = t.rows.filter(function (r) { return r.classList.contains("block"); })[0];
      if (block) {
        t.fold(block.dataset.block, true);
        var inside = t.layers.filter(function (r) { return r.dataset.parents.split(" ").indexOf(block.dataset.block) >= 0; });
        expect(inside.length > 0 && inside.every(function (r) { return r.classList.contains("hidden"); }), "table " + n + ": fold");
        t.fold(block.dataset.block, false);
      }
      expect(visibleLayers(t).length === t.layers.length, "table " + n + ": every layer shown again");
    });
    depths.forEach(function (d, n) {
      var before = d.visible();
      expect(before.length === 1, "model " + n + ": one drawing shown");
      for (var i = 0; i < d.count; i++) {
        d.show(i);
        expect(d.visible().join() === String(i), "model " + n + ": drawing " + i + " shown alone");
      }
      d.show(before[0]);
    });
    expect(document.scripts.length === 1, "exactly one script element, the page's own (found " + document.scripts.length + ")");
    var verdict = failures.length || errors.length ? "FAIL " + failures.concat(errors).join("; ") : "PASS " + checks + " checks";
    var out = document.getElementById("selftest");
    out.textContent = verdict;
    out.hidden = false;
    console.log("cnninspect selftest: " + verdict);
  }

  function visibleLayers(t) {
    return Array.prototype.filter.call(t.body.rows, function (r) {
      return r.classList.contains("layer") && !r.classList.contains("hidden");
    });
  }

  function Depths(section) {
    var buttons = section.querySelectorAll("button.depth"), drawings = section.querySelectorAll("div.diagram");
    this.show = function (index) {
      Array.prototype.forEach.call(buttons, function (b) { b.classList.toggle("on", b.dataset.index === String(index)); });
      Array.prototype.forEach.call(drawings, function (d) { d.hidden = d.dataset.index !== String(index); });
    };
    var self = this;
    Array.prototype.forEach.call(buttons, function (b) { b.addEventListener("click", function () { self.show(b.dataset.index); }); });
    this.count = buttons.length;
    this.visible = function () {
      return Array.prototype.filter.call(drawings, function (d) { return !d.hidden; }).map(function (d) { return d.dataset.index; });
    };
  }

  var depths = Array.prototype.map.call(document.querySelectorAll("section.model"), function (s) { return new Depths(s); });
  var tables = Array.prototype.map.call(document.querySelectorAll("table.layers"), function (t) { return new Table(t); });
  window.cnninspectTables = tables;
  if (location.hash === "#selftest") selftest(tables);
})();
