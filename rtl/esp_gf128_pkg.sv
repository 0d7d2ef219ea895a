// esp_gf128_pkg: multiplication in GF(2^128) as GCM defines it, as a function.
//
// gf128_mul(a, b) = a * b mod (x^128 + x^7 + x^2 + x + 1).
// Spec: NIST SP 800-38D section 6.3 (the product of two blocks).
// Bit order (GCM's "reflected" order): bit 127 of a bus, the leftmost bit of block byte 0
// ([127:120]), is the coefficient of x^0; bit 0 is the coefficient of x^127.
//
// Structure: a 128 x 128 carry-less product with two levels of Karatsuba (9 products of
// 32 x 32 bits, each an AND array and an XOR tree), then the reduction done in the reflected
// order directly (shift the 255-bit product left by one, fold the high half twice with the
// taps 0, 1, 2, 7). In gates: 9 x 1024 AND2 and a depth of roughly 1 (AND) + 5 (32-term tree)
// + 2 (Karatsuba pre-add) + 4 (post-add) + 4 (reduction) XOR2.
//
// Why a function: every internal signal is 64 bits wide or less, so Verilator computes it with
// native machine words, and a caller that only needs the product under a condition
// (`if (valid) p = gf128_mul(a, b);`) gets a model that skips the work otherwise; in gates the
// condition is just the mux or enable it describes. esp_gf128_mul wraps it as a module.
package esp_gf128_pkg;

  // 32 x 32 -> 63-bit carry-less product.
  function automatic logic [63:0] clmul32(logic [31:0] x, logic [31:0] y);
    logic [63:0] acc;
    acc = 64'h0;
    for (int i = 0; i < 32; i++) begin
      acc = acc ^ ({64{y[i]}} & {32'h0, x} << i);
    end
    clmul32 = acc;
  endfunction

  // 64 x 64 -> 127-bit carry-less product as {high word, low word}, one Karatsuba level.
  function automatic logic [127:0] clmul64(logic [63:0] x, logic [63:0] y);
    logic [63:0] z0, z2, z1;
    z0 = clmul32(x[31:0], y[31:0]);
    z2 = clmul32(x[63:32], y[63:32]);
    z1 = clmul32(x[31:0] ^ x[63:32], y[31:0] ^ y[63:32]) ^ z0 ^ z2;
    clmul64 = {z2 ^ (z1 >> 32), z0 ^ (z1 << 32)};
  endfunction

  function automatic logic [127:0] gf128_mul(logic [127:0] a, logic [127:0] b);
    logic [127:0] p0, p1, pm;
    logic [63:0]  c0, c1, c2, d0, d1, d2, d3, g, r_hi, r_lo;
    // Karatsuba: a1*b1, a0*b0, (a0^a1)*(b0^b1).
    p0 = clmul64(a[63:0], b[63:0]);
    p1 = clmul64(a[127:64], b[127:64]);
    pm = clmul64(a[63:0] ^ a[127:64], b[63:0] ^ b[127:64]);
    // 255-bit product c3:c2:c1:c0 (c3 = p1[127:64], whose bit 63 is always 0).
    c0 = p0[63:0];
    c1 = p0[127:64] ^ pm[63:0] ^ p0[63:0] ^ p1[63:0];
    c2 = p1[63:0] ^ pm[127:64] ^ p0[127:64] ^ p1[127:64];
    // d = c << 1: bit k of d is the coefficient of x^(255-k).
    d3 = {p1[126:64], c2[63]};
    d2 = {c2[62:0], c1[63]};
    d1 = {c1[62:0], c0[63]};
    d0 = {c0[62:0], 1'b0};
    // Fold d1:d0 (x^128..x^255) onto d3:d2: x^128 = 1 + x + x^2 + x^7, i.e. right shifts by
    // 0, 1, 2, 7 in this order. The bits shifted out (degrees >= 128 again) are g, folded once
    // more.
    g    = (d0 << 63) ^ (d0 << 62) ^ (d0 << 57);
    r_hi = d3 ^ d1 ^ (d1 >> 1) ^ (d1 >> 2) ^ (d1 >> 7) ^ g ^ (g >> 1) ^ (g >> 2) ^ (g >> 7);
    r_lo = d2 ^ d0 ^ ((d0 >> 1) | (d1 << 63)) ^ ((d0 >> 2) | (d1 << 62)) ^
           ((d0 >> 7) | (d1 << 57));
    gf128_mul = {r_hi, r_lo};
  endfunction

endpackage
