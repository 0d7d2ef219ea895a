// esp_replay: per-SA inbound anti-replay state for Slots SAs: RFC 4303 section 3.4.3, with
// extended sequence numbers per RFC 4303 Appendix A (A2.2: the high half inferred from the
// window). Bit-exact with hw/model/replay_window.cc (the reference; esp_replay_test).
//
// T is the highest authenticated sequence number, W the window (1..MaxWindow packets; 0 as
// written to SA_WINDOW means 64). T-W+1..T are inside; sequence 0 is always rejected.
//
// Storage (RFC 6479): a bitmap of MaxBlocks 64-bit blocks per SA, block b holding the bits of
// sequence numbers 64b..64b+63 at index b mod MaxBlocks, so the window moves without shifting
// bits. A block is "valid" when it was written since the window last moved past its index;
// an invalid block reads as zero, so moving the window (or an init) clears blocks by clearing
// their valid bits (one word per SA) instead of writing every block. MaxBlocks >= W/64 + 1
// for every W, so the blocks the window covers never share an index (RFC 6479 section 2).
//   bank RAMs  2 x (Slots * MaxBlocks/2) x 64 bit: even and odd blocks, so that a stats read
//              gets the blocks of T and T-64 in one clock; 1 read + 1 write port each
//   valid RAM  Slots x MaxBlocks bit; 1 read + 1 write port
//   meta       Slots x (T 64, W 13, esn 1) registers
//
// Operations (valid/ready each; at most one is accepted per clock, priority init, commit,
// check, read; each in the order accepted, so every answer reflects every operation accepted
// before it):
//   init    (slot, window, T, esn): SA WRITE (T = the SA's initial highest number, marked
//           received when not 0) or INVALIDATE (any window, T = 0).
//   check   (slot, seq_lo) -> ok, seq: pre-check of a packet's 32-bit sequence number; seq is
//           the full number (ESN high half inferred; on an inference failure the high half
//           wrapped modulo 2^32, as the model reports it). Changes nothing.
//   commit  (slot, seq) -> accepted: after the ICV verified: re-checks seq against the current
//           state (a duplicate verified concurrently on two lanes, or a number the window has
//           moved past, is refused) and, if accepted, marks it and moves the window.
//   read    (slot) -> T, bitmap: bit i = T-i received, for i < min(64, W, T) (SA_STAT_SEQ,
//           SA_STAT_BITMAP).
// Timing: fixed latency 2: an operation accepted in clock c (valid and ready high) answers in
// clock c + 2 with a one-clock pulse on its *_done_o and the result beside it. ready is high
// except when a higher-priority port is offered, and for read for one clock when the operation
// accepted in the previous clock writes the same slot. Details: rtl/doc/esp_replay.md.
//
// Byte/bit order: sequence numbers are plain binary (bit 0 = LSB), host order.
module esp_replay #(
  parameter int unsigned Slots     = 1024,
  parameter int unsigned MaxWindow = 4096,
  localparam int unsigned SlotW    = (Slots > 1) ? $clog2(Slots) : 1,
  localparam int unsigned WinW     = $clog2(MaxWindow + 1)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  // init
  input  logic             init_valid_i,
  output logic             init_ready_o,
  input  logic [SlotW-1:0] init_slot_i,
  input  logic [WinW-1:0]  init_window_i,  // 0 = 64
  input  logic [63:0]      init_t_i,
  input  logic             init_esn_i,
  output logic             init_done_o,
  // check
  input  logic             chk_valid_i,
  output logic             chk_ready_o,
  input  logic [SlotW-1:0] chk_slot_i,
  input  logic [31:0]      chk_seq_lo_i,
  output logic             chk_done_o,
  output logic             chk_ok_o,
  output logic [63:0]      chk_seq_o,
  // commit
  input  logic             cmt_valid_i,
  output logic             cmt_ready_o,
  input  logic [SlotW-1:0] cmt_slot_i,
  input  logic [63:0]      cmt_seq_i,
  output logic             cmt_done_o,
  output logic             cmt_ok_o,
  // read
  input  logic             rd_valid_i,
  output logic             rd_ready_o,
  input  logic [SlotW-1:0] rd_slot_i,
  output logic             rd_done_o,
  output logic [63:0]      rd_t_o,
  output logic [63:0]      rd_bitmap_o
);

  `include "prim_assert.svh"

  // Blocks per SA: a power of two >= MaxWindow / 64 + 1.
  localparam int unsigned MaxBlocks = 1 << $clog2((MaxWindow + 63) / 64 + 1);
  localparam int unsigned BlkW      = $clog2(MaxBlocks);        // block index bits
  localparam int unsigned HalfW     = BlkW - 1;                 // index within a bank
  localparam int unsigned BankAw    = SlotW + HalfW;

  typedef enum logic [1:0] {
    OpInit,
    OpCommit,
    OpCheck,
    OpRead
  } op_e;

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------
  logic [63:0]          t_q   [Slots];
  logic [WinW-1:0]      w_q   [Slots];
  logic                 esn_q [Slots];
  logic [MaxBlocks-1:0] vld_mem [Slots];
  logic [63:0]          bank_mem [2][Slots * MaxBlocks / 2];

  // Stage 1: the operation accepted at the last edge, with its RAM reads.
  logic                 s1_v_q;
  op_e                  s1_op_q;
  logic [SlotW-1:0]     s1_slot_q;
  logic [63:0]          s1_seq_q;        // check: {32'0, seq_lo}; commit: seq; init: T
  logic [WinW-1:0]      s1_win_q;
  logic                 s1_esn_q;
  logic [MaxBlocks-1:0] s1_vld_q;        // valid word as read
  logic [63:0]          s1_w0_q, s1_w1_q;  // bank 0 / bank 1 words as read
  // The write stage 1 made last clock (forwarded to the operation now in stage 1).
  logic                 fw_v_q, fw_bv_q;
  logic [SlotW-1:0]     fw_slot_q;
  logic [MaxBlocks-1:0] fw_vld_q;
  logic [BlkW-1:0]      fw_blk_q;
  logic [63:0]          fw_word_q;

  // ---------------------------------------------------------------------------------------
  // Stage 0: arbitration and RAM reads
  // ---------------------------------------------------------------------------------------
  logic             acc;
  op_e              op;
  logic [SlotW-1:0] slot;
  logic [63:0]      seq0;
  logic [BlkW-1:0]  blk_a;            // check/commit: the block; read: the block of T
  logic             rd_hazard;
  logic [63:0]      rd_t;

  always_comb begin
    rd_t      = t_q[rd_slot_i];
    rd_hazard = s1_v_q && s1_slot_q == rd_slot_i && (s1_op_q == OpInit || s1_op_q == OpCommit);
    init_ready_o = 1'b1;
    cmt_ready_o  = !init_valid_i;
    chk_ready_o  = !init_valid_i && !cmt_valid_i;
    rd_ready_o   = !init_valid_i && !cmt_valid_i && !chk_valid_i && !rd_hazard;
    acc  = 1'b1;
    op   = OpRead;
    slot = rd_slot_i;
    seq0 = rd_t;
    if (init_valid_i) begin
      op   = OpInit;
      slot = init_slot_i;
      seq0 = init_t_i;
    end else if (cmt_valid_i) begin
      op   = OpCommit;
      slot = cmt_slot_i;
      seq0 = cmt_seq_i;
    end else if (chk_valid_i) begin
      op   = OpCheck;
      slot = chk_slot_i;
      seq0 = {32'h0, chk_seq_lo_i};
    end else begin
      acc = rd_valid_i && !rd_hazard;
    end
    blk_a = seq0[6 +: BlkW];
  end

  // Bank addresses: read: blocks T/64 and T/64 - 1 (one even, one odd); otherwise the block
  // of seq0 in its bank (the other bank's read is unused).
  logic [BankAw-1:0] a0, a1;
  always_comb begin
    // Odd block: it and the one before share the index within the banks; even: one below.
    a0 = {slot, blk_a[BlkW-1:1]};
    a1 = {slot, blk_a[BlkW-1:1] - HalfW'(!blk_a[0])};
  end

  // ---------------------------------------------------------------------------------------
  // Stage 1: compute, write, answer
  // ---------------------------------------------------------------------------------------
  logic [63:0]          t, seq, seq_chk;
  logic [WinW-1:0]      w;
  logic                 esn;
  logic [MaxBlocks-1:0] vld, vld_new, clr, clr_run;
  logic [BlkW:0]        clr_at;
  logic [63:0]          wa, wb, word_new;        // block of seq (or T), block before it
  logic [BlkW-1:0]      blk;
  logic                 ok, infer_ok, rcvd;
  logic [31:0]          tl, th, bottom, hi;
  logic [57:0]          nblk_delta;
  logic                 we_meta, we_vld, we_word;
  logic [63:0]          t_new, bm, sl;
  logic [127:0]         pair;
  logic [6:0]           nrep;

  // CheckFull (replay_window.cc): non-zero, in the sequence space, above T-W, not received.
  function automatic logic check_full(logic [63:0] s, logic [63:0] tt, logic [WinW-1:0] ww,
                                      logic e, logic received);
    if (s == 64'h0 || (!e && s[63:32] != 32'h0)) begin
      check_full = 1'b0;
    end else if (s > tt) begin
      check_full = 1'b1;
    end else if (tt - s >= 64'(ww)) begin
      check_full = 1'b0;
    end else begin
      check_full = !received;
    end
  endfunction

  always_comb begin
    t    = t_q[s1_slot_q];
    w    = w_q[s1_slot_q];
    esn  = esn_q[s1_slot_q];
    // Forwarding from last clock's write to the same slot (its RAM write lands at that edge,
    // after this operation's read).
    vld  = (fw_v_q && fw_slot_q == s1_slot_q) ? fw_vld_q : s1_vld_q;
    blk  = s1_seq_q[6 +: BlkW];
    wa   = blk[0] ? s1_w1_q : s1_w0_q;
    wb   = blk[0] ? s1_w0_q : s1_w1_q;
    if (fw_bv_q && fw_slot_q == s1_slot_q && fw_blk_q == blk) begin
      wa = fw_word_q;
    end
    if (fw_bv_q && fw_slot_q == s1_slot_q && fw_blk_q == blk - BlkW'(1)) begin
      wb = fw_word_q;
    end
    wa = vld[blk] ? wa : 64'h0;
    wb = vld[blk - BlkW'(1)] ? wb : 64'h0;

    // ESN inference (RFC 4303 A2.2), in 32-bit arithmetic as the model does it.
    tl       = t[31:0];
    th       = t[63:32];
    bottom   = tl - (32'(w) - 32'd1);
    hi       = th;
    infer_ok = 1'b1;
    if (esn && s1_op_q == OpCheck) begin
      if (tl >= 32'(w) - 32'd1) begin
        if (s1_seq_q[31:0] < bottom) begin
          infer_ok = th != 32'hffff_ffff;
          hi       = th + 32'd1;
        end
      end else if (s1_seq_q[31:0] >= bottom) begin
        infer_ok = th != 32'h0;
        hi       = th - 32'd1;
      end
    end
    seq_chk = {esn ? hi : 32'h0, s1_seq_q[31:0]};
    seq     = (s1_op_q == OpCheck) ? seq_chk : s1_seq_q;
    rcvd    = wa[s1_seq_q[5:0]];
    ok      = infer_ok && check_full(seq, t, w, esn, rcvd);

    // Commit: blocks the window moves into are cleared (their valid bits), then seq's bit set.
    nblk_delta = seq[63:6] - t[63:6];
    // nblk_delta blocks from index T/64 + 1 on, circularly (all of them from MaxBlocks on).
    clr_run = ~({MaxBlocks{1'b1}} << nblk_delta[BlkW-1:0]);
    clr_at  = {1'b0, t[6 +: BlkW] + BlkW'(1)};
    clr     = (clr_run << clr_at) | (clr_run >> ((BlkW + 1)'(MaxBlocks) - clr_at));
    if (seq <= t) begin
      clr = '0;
    end else if (nblk_delta >= 58'(MaxBlocks)) begin
      clr = '1;
    end
    t_new    = t;
    vld_new  = vld;
    word_new = wa;
    we_meta  = 1'b0;
    we_vld   = 1'b0;
    we_word  = 1'b0;
    unique case (s1_op_q)
      OpInit: begin
        we_meta  = 1'b1;
        we_vld   = 1'b1;
        we_word  = s1_seq_q != 64'h0;
        t_new    = s1_seq_q;
        vld_new  = '0;
        vld_new[blk] = s1_seq_q != 64'h0;
        word_new = 64'h0;
        word_new[s1_seq_q[5:0]] = 1'b1;
      end
      OpCommit: begin
        if (ok) begin
          we_meta  = seq > t;
          we_vld   = 1'b1;
          we_word  = 1'b1;
          t_new    = (seq > t) ? seq : t;
          vld_new  = vld & ~clr;
          word_new = vld_new[blk] ? wa : 64'h0;
          vld_new[blk] = 1'b1;
          word_new[seq[5:0]] = 1'b1;
        end
      end
      default: begin
      end
    endcase

    // Stats read: bit i = T-i received, for i < min(64, W, T). pair = {block T/64, block
    // T/64 - 1}; T-i sits at pair index 64 + T%64 - i.
    pair = {wa, wb};
    sl   = pair[s1_seq_q[5:0] + 7'd1 +: 64];
    for (int i = 0; i < 64; i++) begin
      bm[i] = sl[63 - i];
    end
    nrep = 7'd64;
    if (64'(w) < 64'(nrep)) begin
      nrep = 7'(w);
    end
    if (t < 64'(nrep)) begin
      nrep = 7'(t);
    end
    bm = bm & ((nrep == 7'd64) ? 64'hffff_ffff_ffff_ffff : ~(64'hffff_ffff_ffff_ffff << nrep));
  end

  // ---------------------------------------------------------------------------------------
  // Registers and RAMs
  // ---------------------------------------------------------------------------------------
  logic [WinW-1:0] win0;
  assign win0 = (init_window_i == '0) ? WinW'(64) : init_window_i;

  always_ff @(posedge clk_i) begin
    // RAM reads (stage 0).
    if (acc) begin
      s1_vld_q <= vld_mem[slot];
      s1_w0_q  <= bank_mem[0][a0];
      s1_w1_q  <= bank_mem[1][a1];
    end
    // RAM and meta writes (stage 1).
    if (s1_v_q && we_meta) begin
      t_q[s1_slot_q] <= t_new;
    end
    if (s1_v_q && s1_op_q == OpInit) begin
      w_q[s1_slot_q]   <= s1_win_q;
      esn_q[s1_slot_q] <= s1_esn_q;
    end
    if (s1_v_q && we_vld) begin
      vld_mem[s1_slot_q] <= vld_new;
    end
    if (s1_v_q && we_word) begin
      bank_mem[blk[0]][{s1_slot_q, blk[BlkW-1:1]}] <= word_new;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_v_q          <= 1'b0;
      s1_op_q         <= OpRead;
      s1_slot_q       <= '0;
      s1_seq_q        <= '0;
      s1_win_q        <= '0;
      s1_esn_q        <= 1'b0;
      fw_v_q          <= 1'b0;
      fw_bv_q         <= 1'b0;
      fw_slot_q       <= '0;
      fw_vld_q        <= '0;
      fw_blk_q        <= '0;
      fw_word_q       <= '0;
      init_done_o     <= 1'b0;
      chk_done_o <= 1'b0;
      chk_ok_o        <= 1'b0;
      chk_seq_o       <= '0;
      cmt_done_o <= 1'b0;
      cmt_ok_o  <= 1'b0;
      rd_done_o  <= 1'b0;
      rd_t_o          <= '0;
      rd_bitmap_o     <= '0;
    end else begin
      s1_v_q    <= acc;
      s1_op_q   <= op;
      s1_slot_q <= slot;
      s1_seq_q  <= seq0;
      s1_win_q  <= win0;
      s1_esn_q  <= init_esn_i;
      fw_v_q    <= s1_v_q && we_vld;
      fw_bv_q   <= s1_v_q && we_word;
      fw_slot_q <= s1_slot_q;
      fw_vld_q  <= vld_new;
      fw_blk_q  <= blk;
      fw_word_q <= word_new;
      init_done_o     <= s1_v_q && s1_op_q == OpInit;
      chk_done_o <= s1_v_q && s1_op_q == OpCheck;
      chk_ok_o        <= ok;
      chk_seq_o       <= seq_chk;
      cmt_done_o <= s1_v_q && s1_op_q == OpCommit;
      cmt_ok_o  <= ok;
      rd_done_o  <= s1_v_q && s1_op_q == OpRead;
      rd_t_o          <= t;
      rd_bitmap_o     <= bm;
    end
  end

  `ASSERT_INIT(ParamsLegal_A, Slots >= 1 && MaxWindow >= 64 && MaxBlocks >= 4)
  `ASSERT(InitWindowLegal_A, init_valid_i |-> init_window_i <= WinW'(MaxWindow))

endmodule
