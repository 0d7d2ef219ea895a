// esp_gf128_mul: multiplication in GF(2^128) as GCM defines it, combinational.
//
// p_o = a_i * b_i mod (x^128 + x^7 + x^2 + x + 1).
// Spec: NIST SP 800-38D section 6.3 (the product of two blocks).
// Bit order (GCM's "reflected" order): bit 127 of a bus, the leftmost bit of block byte 0
// ([127:120]), is the coefficient of x^0; bit 0 is the coefficient of x^127.
//
// Structure: a 128 x 128 carry-less product with two levels of Karatsuba (9 products of
// 32 x 32 bits, each an AND array and an XOR tree), then the reduction done in the reflected
// order directly (shift the 255-bit product left by one, fold the high half twice with the
// taps 0, 1, 2, 7). Every internal signal is 64 bits wide or less, so Verilator computes it
// with native machine words; in gates it is about 9 x 1024 AND2 and a depth of roughly
// 1 (AND) + 5 (32-term tree) + 2 (Karatsuba pre-add) + 4 (post-add) + 4 (reduction) XOR2.
module esp_gf128_mul (
  input  logic [127:0] a_i,
  input  logic [127:0] b_i,
  output logic [127:0] p_o
);

  // 32 x 32 -> 63-bit carry-less product.
  function automatic logic [63:0] clmul32(logic [31:0] x, logic [31:0] y);
    logic [63:0] acc;
    acc = 64'h0;
    for (int i = 0; i < 32; i++) begin
      acc = acc ^ ({64{y[i]}} & {32'h0, x} << i);
    end
    clmul32 = acc;
  endfunction

  // Operands of the three 64 x 64 products: a0*b0, a1*b1, (a0^a1)*(b0^b1).
  logic [63:0] opx [3];
  logic [63:0] opy [3];
  logic [63:0] plo [3];  // low word of each 127-bit product
  logic [63:0] phi [3];  // high word

  assign opx[0] = a_i[63:0];
  assign opy[0] = b_i[63:0];
  assign opx[1] = a_i[127:64];
  assign opy[1] = b_i[127:64];
  assign opx[2] = a_i[63:0] ^ a_i[127:64];
  assign opy[2] = b_i[63:0] ^ b_i[127:64];

  for (genvar k = 0; k < 3; k++) begin : gen_mul64
    logic [63:0] z0, z2, zm, z1;
    assign z0 = clmul32(opx[k][31:0], opy[k][31:0]);
    assign z2 = clmul32(opx[k][63:32], opy[k][63:32]);
    assign zm = clmul32(opx[k][31:0] ^ opx[k][63:32], opy[k][31:0] ^ opy[k][63:32]);
    assign z1 = zm ^ z0 ^ z2;
    assign plo[k] = z0 ^ (z1 << 32);
    assign phi[k] = z2 ^ (z1 >> 32);
  end

  // 255-bit product c3:c2:c1:c0 (c3 = phi[1]), then d = c << 1: bit k of d is the coefficient of x^(255-k).
  logic [63:0] c0, c1, c2, d0, d1, d2, d3, g, r_hi, r_lo;
  always_comb begin
    c0 = plo[0];
    c1 = phi[0] ^ plo[2] ^ plo[0] ^ plo[1];
    c2 = plo[1] ^ phi[2] ^ phi[0] ^ phi[1];
    d3 = {phi[1][62:0], c2[63]};  // c3 = phi[1]; its bit 63 is always 0
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
  end

  assign p_o = {r_hi, r_lo};

endmodule
