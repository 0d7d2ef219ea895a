// esp_aes_pipe: fully pipelined AES-128/AES-256 encryption with a key table.
//
// One block enters per clock (en_i high) with the id of its key; the key size is per key id,
// so blocks of different keys and sizes follow each other with no gap. The round keys of
// NumKeys keys sit in a table written by esp_aes_keyexp (rk_* port), one memory per
// pipeline stage, each read by its own stage only (in silicon: Nr + 1 small one-read-port
// RAMs of NumKeys x 128 bits).
//
// Pipeline (Nr = 14 with MaxKeyBits = 256, 10 with MaxKeyBits = 128):
//   stage 0        state = block ^ round key 0                         (in_* -> register 0)
//   stage s=1..Nr  state = round(state, stage key s), last round at s = Nr   (register s)
// With MaxKeyBits = 256 an AES-128 block passes stages 1..4 unchanged and runs its rounds
// 1..10 in stages 5..14, so both sizes share one fixed latency and stay in order.
// Latency: Nr + 1 clocks from in_* to out_* (15 for MaxKeyBits = 256, 11 for 128), counted
// in clocks with en_i high; en_i low freezes the whole pipeline (global stall).
//
// in_user_i travels with its block unchanged (sideband for the caller's control and data).
//
// Writing a key id while blocks of that key are in the pipeline is not allowed (the caller
// installs into a free id; make-before-break).
//
// Spec: FIPS-197 section 5.1 (Cipher). Byte/bit order as in esp_aes_round: block byte 0 in
// [127:120].
module esp_aes_pipe #(
  parameter int unsigned MaxKeyBits = 256,
  parameter int unsigned NumKeys    = 16,
  parameter int unsigned UserWidth  = 1,
  localparam int unsigned KeyIdW    = (NumKeys > 1) ? $clog2(NumKeys) : 1,
  localparam int unsigned Nr        = (MaxKeyBits == 256) ? 14 : 10
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 en_i,       // advance the pipeline by one stage
  // Round key write port (from esp_aes_keyexp).
  input  logic                 rk_we_i,
  input  logic [KeyIdW-1:0]    rk_id_i,
  input  logic [3:0]           rk_idx_i,   // AES round key number 0..10 or 0..14
  input  logic                 rk_256_i,   // key size of rk_id_i
  input  logic [127:0]         rk_i,
  // Blocks in.
  input  logic                 in_valid_i,
  input  logic [KeyIdW-1:0]    in_key_id_i,
  input  logic [127:0]         in_block_i,
  input  logic [UserWidth-1:0] in_user_i,
  // Blocks out, Nr + 1 clocks later.
  output logic                 out_valid_o,
  output logic [KeyIdW-1:0]    out_key_id_o,
  output logic [127:0]         out_block_o,
  output logic [UserWidth-1:0] out_user_o,
  // Key id of the block in stage Nr - 1, i.e. of out_* after the next enabled clock: lets a
  // caller read per-key data (esp_gcm: H) into a register one clock ahead.
  output logic [KeyIdW-1:0]    out_next_key_id_o
);

  `include "prim_assert.svh"

  // Stage that uses AES round key rk_idx_i of a key of size rk_256_i.
  logic [3:0] wr_stage;
  assign wr_stage = (MaxKeyBits == 256 && !rk_256_i && rk_idx_i != 4'd0) ?
                    rk_idx_i + 4'd4 : rk_idx_i;

  // Key size per key id.
  logic [NumKeys-1:0] k256_d, k256_q;
  always_comb begin
    k256_d = k256_q;
    if (rk_we_i && rk_idx_i == 4'd0) begin
      k256_d[rk_id_i] = (MaxKeyBits == 256) ? rk_256_i : 1'b0;
    end
  end

  // Stage outputs 0..Nr. The registers themselves are declared inside each stage's generate
  // block (plain vectors, not arrays: Verilator then needs no shadow copies for them).
  logic                 valid_w [Nr+1];
  logic                 size_w  [Nr+1];  // AES-256 block
  logic [KeyIdW-1:0]    kid_w   [Nr+1];
  logic [127:0]         st_w    [Nr+1];
  logic [UserWidth-1:0] user_w  [Nr+1];

  for (genvar s = 0; s <= Nr; s++) begin : gen_stage
    logic                 valid_d, valid_q, size_d, size_q;
    logic [KeyIdW-1:0]    kid_d, kid_q;
    logic [127:0]         st_d, st_q;
    logic [UserWidth-1:0] user_d, user_q;

    // Stage key memory: entry k holds the key of id k that stage s uses.
    logic [127:0] mem [NumKeys];
    logic [127:0] stage_key;

    // A memory, written in place like a RAM macro (lowRISC prim_ram style) and not reset:
    // the d/q form would copy NumKeys x 128 bits per stage every clock in simulation.
    always_ff @(posedge clk_i) begin
      if (rk_we_i && wr_stage == 4'(s)) begin
        mem[rk_id_i] <= rk_i;
      end
    end

    if (s == 0) begin : gen_first
      assign stage_key = mem[in_key_id_i];
      always_comb begin
        valid_d = en_i ? in_valid_i : valid_q;
        size_d  = en_i ? k256_q[in_key_id_i] : size_q;
        kid_d   = en_i ? in_key_id_i : kid_q;
        st_d    = en_i ? (in_block_i ^ stage_key) : st_q;
        user_d  = en_i ? in_user_i : user_q;
      end
    end else begin : gen_round
      logic [127:0] round_out;
      logic         bypass;
      assign stage_key = mem[kid_w[s-1]];
      // AES-128 blocks skip the first four rounds of an AES-256 pipeline.
      assign bypass    = (MaxKeyBits == 256) && (s <= 4) && !size_w[s-1];

      esp_aes_round u_round (
        .mix_i   (s != Nr),
        .state_i (st_w[s-1]),
        .rk_i    (stage_key),
        .state_o (round_out)
      );

      always_comb begin
        valid_d = en_i ? valid_w[s-1] : valid_q;
        size_d  = en_i ? size_w[s-1] : size_q;
        kid_d   = en_i ? kid_w[s-1] : kid_q;
        st_d    = en_i ? (bypass ? st_w[s-1] : round_out) : st_q;
        user_d  = en_i ? user_w[s-1] : user_q;
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        valid_q <= 1'b0;
        size_q  <= 1'b0;
        kid_q   <= '0;
        st_q    <= '0;
        user_q  <= '0;
      end else begin
        valid_q <= valid_d;
        size_q  <= size_d;
        kid_q   <= kid_d;
        st_q    <= st_d;
        user_q  <= user_d;
      end
    end

    assign valid_w[s] = valid_q;
    assign size_w[s]  = size_q;
    assign kid_w[s]   = kid_q;
    assign st_w[s]    = st_q;
    assign user_w[s]  = user_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      k256_q <= '0;
    end else begin
      k256_q <= k256_d;
    end
  end

  assign out_valid_o  = valid_w[Nr];
  assign out_key_id_o = kid_w[Nr];
  assign out_block_o  = st_w[Nr];
  assign out_user_o   = user_w[Nr];
  assign out_next_key_id_o = kid_w[Nr-1];

  `ASSERT_INIT(KeyBitsLegal_A, MaxKeyBits == 128 || MaxKeyBits == 256)
  `ASSERT_INIT(NumKeysLegal_A, NumKeys >= 1)
  `ASSERT(RkIdxInRange_A, rk_we_i |-> rk_idx_i <= (rk_256_i ? 4'd14 : 4'd10))
  `ASSERT(No256WithoutSupport_A, rk_we_i && MaxKeyBits == 128 |-> !rk_256_i)

endmodule
