// esp_gf128_mul: multiplication in GF(2^128) as GCM defines it, combinational.
//
// p_o = a_i * b_i mod (x^128 + x^7 + x^2 + x + 1), NIST SP 800-38D section 6.3.
// Bit order (GCM's "reflected" order): bit 127 of a bus, the leftmost bit of block byte 0
// ([127:120]), is the coefficient of x^0; bit 0 is the coefficient of x^127.
// The logic (two-level Karatsuba, reflected reduction) is esp_gf128_pkg::gf128_mul; this
// module is that function as an instance.
module esp_gf128_mul (
  input  logic [127:0] a_i,
  input  logic [127:0] b_i,
  output logic [127:0] p_o
);

  assign p_o = esp_gf128_pkg::gf128_mul(a_i, b_i);

endmodule
