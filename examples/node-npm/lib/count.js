const isNumber = require("is-number");

let total = 0;

// count adds n to the running total when n is a number.
function count(n) {
  if (isNumber(n)) {
    total += Number(n);
  }
  return total;
}

module.exports = { count };
