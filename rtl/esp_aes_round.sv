// esp_aes_round: one AES encryption round, combinational:
//   state_o = AddRoundKey(MixColumns?(ShiftRows(SubBytes(state_i))), rk_i)
// mix_i = 0 skips MixColumns (the last round). Tie mix_i to a constant and synthesis drops
// the unused path.
//
// Spec: FIPS-197 sections 5.1.1-5.1.4.
// Byte/bit order: a 128-bit block is bytes b0..b15 with b0 in [127:120] (the byte that comes
// first on the wire / in OpenSSL's byte array) and b15 in [7:0]; within a byte bit 7 is the
// MSB. FIPS-197 maps b[r + 4c] to state s[r][c], so column c is the 32-bit word
// [127-32c -: 32] with row 0 in its top byte. Round keys use the same order (w[4i+c] is
// column c of round key i).
//
// MixColumns works on whole 32-bit columns (xtime on four bytes at once, esp_aes_pkg): the
// same XOR network in gates, and far fewer operations for Verilator than a byte-by-byte form.
// esp_aes_pkg::aes_round is this round as a function.
module esp_aes_round (
  input  logic         mix_i,
  input  logic [127:0] state_i,
  input  logic [127:0] rk_i,
  output logic [127:0] state_o
);

  // SubBytes and ShiftRows: output byte (r, c) is S(input byte (r, (c + r) mod 4)).
  logic [127:0] sr;
  for (genvar c = 0; c < 4; c++) begin : gen_col
    for (genvar r = 0; r < 4; r++) begin : gen_row
      esp_aes_sbox u_sbox (
        .in_i  (state_i[127 - 8 * (4 * ((c + r) % 4) + r) -: 8]),
        .out_o (sr[127 - 8 * (4 * c + r) -: 8])
      );
    end
  end

  // MixColumns: b = 2a + 3*rot8(a) + rot16(a) + rot24(a), per column (esp_aes_pkg).
  logic [127:0] mc;
  always_comb begin
    mc = '0;
    for (int c = 0; c < 4; c++) begin
      mc[127 - 32 * c -: 32] = esp_aes_pkg::mix_column(sr[127 - 32 * c -: 32]);
    end
  end

  assign state_o = (mix_i ? mc : sr) ^ rk_i;

endmodule
