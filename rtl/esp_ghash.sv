// esp_ghash: GHASH of back-to-back messages at one block per clock.
//
// For each message, S = GHASH_H(A || 0* || C || 0* || [len(A)]64 || [len(C)]64): the caller
// feeds the zero-padded AAD and ciphertext blocks (in_data_i = 1) and, on the last beat of
// the message, the length block in_len_i. Every beat may belong to a different key: H comes
// with each beat (in_h_i).
//
// Spec: NIST SP 800-38D section 6.4 (GHASH) and 7.1 step 5 (S), 7.2 step 6.
// Bit/byte order: as esp_gf128_mul; blocks in wire order, byte 0 in [127:120].
//
// Structure (two multipliers, no gap between messages):
//   clock 0  acc = ((in_sop_i ? 0 : acc) ^ in_block_i) * H     loop: one multiply per clock
//   clock 1  S   = (acc ^ len) * H   of the message whose last beat came in clock 0,
//            on out_s_o (combinational from registers: the caller registers it)
// The length block needs a second multiply after the last data block; it runs in its own
// feed-forward multiplier so that the first block of the next message can use the loop
// multiplier in the very next clock. A beat with in_data_i = 0 (no block, e.g. an empty
// message) hashes nothing but still starts (in_sop_i) and ends (in_last_i) a message.
// Latency: out_valid_o / out_s_o show S in the clock after the last beat went in (en_i high);
// they hold while en_i is low.
module esp_ghash (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         en_i,        // advance; low freezes everything (global stall)
  input  logic         in_valid_i,
  input  logic         in_sop_i,    // first beat of a message: the hash restarts from zero
  input  logic         in_data_i,   // in_block_i carries a block to hash
  input  logic         in_last_i,   // last beat of a message: in_len_i is valid
  input  logic [127:0] in_block_i,
  input  logic [127:0] in_h_i,
  input  logic [127:0] in_len_i,    // [len(A) in bits]64 || [len(C) in bits]64
  output logic         out_valid_o,
  output logic [127:0] out_s_o
);

  logic [127:0] acc_d, acc_q, acc_base;
  logic         fin_valid_d, fin_valid_q;
  logic [127:0] fin_h_d, fin_h_q, fin_len_d, fin_len_q, fin_prod;

  // Both products are computed only when they are used (see esp_gf128_pkg on why); in gates
  // that is two multipliers, each followed by the mux or enable the conditions describe.

  assign acc_base = in_sop_i ? 128'h0 : acc_q;

  always_comb begin
    acc_d       = acc_q;
    fin_valid_d = fin_valid_q;
    fin_h_d     = fin_h_q;
    fin_len_d   = fin_len_q;
    if (en_i) begin
      if (in_valid_i && in_data_i) begin
        acc_d = esp_gf128_pkg::gf128_mul(acc_base ^ in_block_i, in_h_i);
      end else if (in_valid_i) begin
        acc_d = acc_base;
      end
      fin_valid_d = in_valid_i && in_last_i;
      if (in_valid_i && in_last_i) begin
        fin_h_d   = in_h_i;
        fin_len_d = in_len_i;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q       <= '0;
      fin_valid_q <= 1'b0;
      fin_h_q     <= '0;
      fin_len_q   <= '0;
    end else begin
      acc_q       <= acc_d;
      fin_valid_q <= fin_valid_d;
      fin_h_q     <= fin_h_d;
      fin_len_q   <= fin_len_d;
    end
  end

  always_comb begin
    fin_prod = 128'h0;
    if (fin_valid_q) begin
      fin_prod = esp_gf128_pkg::gf128_mul(acc_q ^ fin_len_q, fin_h_q);
    end
  end

  assign out_valid_o = fin_valid_q;
  assign out_s_o     = fin_prod;

endmodule
