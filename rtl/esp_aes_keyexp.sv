// esp_aes_keyexp: AES-128/AES-256 key expansion and hash subkey, once per key install.
//
// A key install (key_valid_i && key_ready_o) starts an iterative run that emits one round key
// per clock on the rk_* write port (round keys 0..Nr, Nr = 10 or 14), then the GHASH subkey
// H = AES_K(0^128) on the h_* port. H is computed on the side by one AES round fed with
// the round keys as they come out, one clock behind, so the main pipeline gives up no slot.
// An install takes Nr + 2 clocks (12 for AES-128, 16 for AES-256); key_ready_o is low
// meanwhile. The write ports are meant for the key table of esp_aes_pipe and the H table of
// esp_gcm.
//
// Spec: FIPS-197 section 5.2 (KeyExpansion, Nk = 4 or 8), NIST SP 800-38D section 6.4 (H).
// Byte/bit order: key_i[255:248] is the first key byte; an AES-128 key sits in
// key_i[255:128] (key_i[127:0] is ignored). Round keys and H use the block order of
// esp_aes_round: byte 0 in [127:120], column c (word w[4i+c]) in [127-32c -: 32].
module esp_aes_keyexp #(
  parameter int unsigned MaxKeyBits = 256,  // 128: AES-128 only; 256: AES-128 and AES-256
  parameter int unsigned NumKeys    = 16,
  localparam int unsigned KeyIdW    = (NumKeys > 1) ? $clog2(NumKeys) : 1
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // Key install request.
  input  logic              key_valid_i,
  output logic              key_ready_o,
  input  logic [KeyIdW-1:0] key_id_i,
  input  logic              key_256_i,   // 1: AES-256 (needs MaxKeyBits = 256)
  input  logic [255:0]      key_i,
  // Round key write port: round key rk_idx_o (0..Nr) of key rk_id_o.
  output logic              rk_we_o,
  output logic [KeyIdW-1:0] rk_id_o,
  output logic [3:0]        rk_idx_o,
  output logic              rk_256_o,
  output logic [127:0]      rk_o,
  // Hash subkey write port (same key id as rk_id_o); the last event of an install.
  output logic              h_we_o,
  output logic [127:0]      h_o
);

  `include "prim_assert.svh"

  typedef enum logic {
    StIdle,
    StRun
  } keyexp_state_e;

  keyexp_state_e     state_d, state_q;
  logic [KeyIdW-1:0] id_d, id_q;
  logic              k256_d, k256_q;
  logic [255:0]      key_d, key_q;
  logic [3:0]        idx_d, idx_q;     // round key produced this clock; Nr + 1: H only
  logic [127:0]      prev1_d, prev1_q; // round key idx - 1
  logic [127:0]      prev2_d, prev2_q; // round key idx - 2
  logic [127:0]      st_d, st_q;       // AES_K(0) in progress
  logic [7:0]        rcon_d, rcon_q;

  logic [3:0]   nr;
  logic [31:0]  sub_w, t_w;
  logic         use_rot;
  logic [127:0] base, rk_next, rk, round_out;

  assign nr = k256_q ? 4'd14 : 4'd10;

  // SubWord of the last column of the previous round key.
  for (genvar b = 0; b < 4; b++) begin : gen_subword
    esp_aes_sbox u_sbox (
      .in_i  (prev1_q[8 * b +: 8]),
      .out_o (sub_w[8 * b +: 8])
    );
  end

  // Round key idx from the previous one (Nk = 4) or two (Nk = 8):
  // w[i] = w[i-Nk] ^ T(w[i-1]) for the first column, w[i] = w[i-Nk] ^ w[i-1] for the rest,
  // T = SubWord(RotWord()) ^ Rcon, or SubWord() alone for the odd AES-256 round keys.
  // SubWord(RotWord(w)) = RotWord(SubWord(w)), so one set of four S-boxes serves both.
  always_comb begin
    use_rot = !k256_q || !idx_q[0];
    t_w     = use_rot ? ({sub_w[23:0], sub_w[31:24]} ^ {rcon_q, 24'h0}) : sub_w;
    base    = k256_q ? prev2_q : prev1_q;
    rk_next[127:96] = base[127:96] ^ t_w;
    rk_next[95:64]  = base[95:64] ^ rk_next[127:96];
    rk_next[63:32]  = base[63:32] ^ rk_next[95:64];
    rk_next[31:0]   = base[31:0] ^ rk_next[63:32];
    if (idx_q == 4'd0) begin
      rk = key_q[255:128];
    end else if (idx_q == 4'd1 && k256_q) begin
      rk = key_q[127:0];
    end else begin
      rk = rk_next;
    end
  end

  // H = AES_K(0): one round per clock with the round key produced the clock before. The
  // round is computed only while an install runs (a function, see esp_aes_pkg).
  always_comb begin
    round_out = '0;
    if (state_q == StRun) begin
      round_out = esp_aes_pkg::aes_round(idx_q != nr + 4'd1, st_q, prev1_q);
    end
  end

  always_comb begin
    state_d = state_q;
    id_d    = id_q;
    k256_d  = k256_q;
    key_d   = key_q;
    idx_d   = idx_q;
    prev1_d = prev1_q;
    prev2_d = prev2_q;
    st_d    = st_q;
    rcon_d  = rcon_q;
    rk_we_o = 1'b0;
    h_we_o  = 1'b0;
    unique case (state_q)
      StIdle: begin
        if (key_valid_i) begin
          state_d = StRun;
          id_d    = key_id_i;
          k256_d  = (MaxKeyBits == 256) ? key_256_i : 1'b0;
          key_d   = key_i;
          idx_d   = 4'd0;
          rcon_d  = 8'h01;
        end
      end
      StRun: begin
        idx_d = idx_q + 4'd1;
        if (idx_q <= nr) begin
          rk_we_o = 1'b1;
          prev2_d = prev1_q;
          prev1_d = rk;
          if (idx_q != 4'd0 && use_rot && !(k256_q && idx_q == 4'd1)) begin
            rcon_d = {rcon_q[6:0], 1'b0} ^ (rcon_q[7] ? 8'h1b : 8'h00);
          end
        end
        if (idx_q == 4'd1) begin
          st_d = prev1_q;  // 0^128 xor round key 0
        end else if (idx_q != 4'd0) begin
          st_d = round_out;
        end
        if (idx_q == nr + 4'd1) begin
          h_we_o  = 1'b1;
          state_d = StIdle;
          key_d   = '0;  // do not keep key material around
        end
      end
      default: state_d = StIdle;
    endcase
  end

  assign key_ready_o = (state_q == StIdle);
  assign rk_id_o     = id_q;
  assign rk_idx_o    = idx_q;
  assign rk_256_o    = k256_q;
  assign rk_o        = rk;
  assign h_o         = st_d;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      id_q    <= '0;
      k256_q  <= 1'b0;
      key_q   <= '0;
      idx_q   <= '0;
      prev1_q <= '0;
      prev2_q <= '0;
      st_q    <= '0;
      rcon_q  <= 8'h01;
    end else begin
      state_q <= state_d;
      id_q    <= id_d;
      k256_q  <= k256_d;
      key_q   <= key_d;
      idx_q   <= idx_d;
      prev1_q <= prev1_d;
      prev2_q <= prev2_d;
      st_q    <= st_d;
      rcon_q  <= rcon_d;
    end
  end

  `ASSERT_INIT(KeyBitsLegal_A, MaxKeyBits == 128 || MaxKeyBits == 256)
  `ASSERT_INIT(NumKeysLegal_A, NumKeys >= 1)
  `ASSERT(No256WithoutSupport_A, key_valid_i && key_ready_o && MaxKeyBits == 128 |-> !key_256_i)

endmodule
