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
// MixColumns works on whole 32-bit columns (xtime on four bytes at once): the same XOR network
// in gates, and far fewer operations for Verilator than a byte-by-byte form.
module esp_aes_round (
  input  logic         mix_i,
  input  logic [127:0] state_i,
  input  logic [127:0] rk_i,
  output logic [127:0] state_o
);

  // xtime (multiply by x in GF(2^8), polynomial 0x11b) on the four bytes of a word.
  function automatic logic [31:0] xtime4(logic [31:0] w);
    logic [31:0] hi;
    hi = (w >> 7) & 32'h0101_0101;
    xtime4 = ((w & 32'h7f7f_7f7f) << 1) ^ hi ^ (hi << 1) ^ (hi << 3) ^ (hi << 4);
  endfunction

  function automatic logic [31:0] rotl8(logic [31:0] w);
    rotl8 = {w[23:0], w[31:24]};
  endfunction

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

  // MixColumns: b = 2a + 3*rot8(a) + rot16(a) + rot24(a), per column.
  logic [127:0] mc;
  always_comb begin
    mc = '0;
    for (int c = 0; c < 4; c++) begin
      logic [31:0] a, a1;
      a  = sr[127 - 32 * c -: 32];
      a1 = rotl8(a);
      mc[127 - 32 * c -: 32] = xtime4(a ^ a1) ^ a1 ^ rotl8(a1) ^ rotl8(rotl8(a1));
    end
  end

  assign state_o = (mix_i ? mc : sr) ^ rk_i;

endmodule
