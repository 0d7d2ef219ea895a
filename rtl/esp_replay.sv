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
//              gets the blocks of T and T-64 in one clock; 2 read + 1 write port each
//   valid RAM  Slots x MaxBlocks bit; 2 read + 1 write port
//   (one read port per lane; a 1R1W RAM twice, written together, gives the second port)
//   meta       Slots x (T 64, W 13, esn 1) registers
//
// Operations (valid/ready each). Two lanes: per clock at most one write operation (init,
// else commit) and one read operation (check, else read) are accepted; within a clock the
// write operation counts as the earlier. Every answer reflects every operation accepted
// before it (the pipeline forwards its own writes):
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
// clock c + 2 with a one-clock pulse on its *_done_o and the result beside it. init_ready_o
// and chk_ready_o are always 1; cmt_ready_o is low while init is offered; rd_ready_o is low
// while check is offered, and while a write operation to the same slot is offered or was
// accepted in the previous clock. Details: rtl/doc/esp_replay.md.
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

  // ---------------------------------------------------------------------------------------
  // State
  // ---------------------------------------------------------------------------------------
  logic [63:0]          t_q   [Slots];
  logic [WinW-1:0]      w_q   [Slots];
  logic                 esn_q [Slots];
  logic [MaxBlocks-1:0] vld_mem [Slots];
  logic [63:0]          bank_mem [2][Slots * MaxBlocks / 2];

  // Stage 1, write lane (init / commit), with its RAM reads.
  logic                 a_v_q, a_init_q;
  logic [SlotW-1:0]     a_slot_q;
  logic [63:0]          a_seq_q;         // init: T; commit: seq
  logic [WinW-1:0]      a_win_q;
  logic                 a_esn_q;
  logic [MaxBlocks-1:0] a_vld_q;
  logic [63:0]          a_w_q;           // the word of a_seq_q's block
  // Stage 1, read lane (check / read), with its RAM reads.
  logic                 b_v_q, b_chk_q;
  logic [SlotW-1:0]     b_slot_q;
  logic [31:0]          b_seq_q;         // check: seq_lo; read: T[31:0] as read at stage 0
  logic [MaxBlocks-1:0] b_vld_q;
  logic [63:0]          b_w0_q, b_w1_q;  // bank 0 / bank 1 words
  // The write the write lane made last clock (forwarded: its RAM write lands at the edge
  // after which the operations now in stage 1 read).
  logic                 fw_v_q, fw_bv_q;
  logic [SlotW-1:0]     fw_slot_q;
  logic [MaxBlocks-1:0] fw_vld_q;
  logic [BlkW-1:0]      fw_blk_q;
  logic [63:0]          fw_word_q;

  // ---------------------------------------------------------------------------------------
  // Stage 0: acceptance and RAM reads
  // ---------------------------------------------------------------------------------------
  logic             a_acc, b_acc, rd_hazard;
  logic [SlotW-1:0] a_slot, b_slot;
  logic [63:0]      a_seq;
  logic [31:0]      b_seq;
  logic [BlkW-1:0]  a_blk, b_blk;

  always_comb begin
    init_ready_o = 1'b1;
    cmt_ready_o  = !init_valid_i;
    chk_ready_o  = 1'b1;
    a_acc  = init_valid_i || cmt_valid_i;
    a_slot = init_valid_i ? init_slot_i : cmt_slot_i;
    a_seq  = init_valid_i ? init_t_i : cmt_seq_i;
    // A stats read addresses the blocks of T: not while T may change under it.
    rd_hazard  = (a_acc && a_slot == rd_slot_i) || (a_v_q && a_slot_q == rd_slot_i);
    rd_ready_o = !chk_valid_i && !rd_hazard;
    b_acc  = chk_valid_i || (rd_valid_i && !rd_hazard);
    b_slot = chk_valid_i ? chk_slot_i : rd_slot_i;
    b_seq  = chk_valid_i ? chk_seq_lo_i : t_q[rd_slot_i][31:0];
    a_blk  = a_seq[6 +: BlkW];
    b_blk  = b_seq[6 +: BlkW];
  end

  // Read lane bank addresses: a stats read needs blocks T/64 and T/64 - 1 (one even, one odd;
  // an odd block and the one before share the index within the banks, an even one does not).
  logic [BankAw-1:0] b_a0, b_a1;
  assign b_a0 = {b_slot, b_blk[BlkW-1:1]};
  assign b_a1 = {b_slot, b_blk[BlkW-1:1] - HalfW'(!b_blk[0])};

  // ---------------------------------------------------------------------------------------
  // Stage 1, write lane: re-check, mark, move the window
  // ---------------------------------------------------------------------------------------
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

  logic [63:0]          at, at_new, aw, aw_new;
  logic [WinW-1:0]      awin, awin_new;
  logic                 aesn, aesn_new, a_ok;
  logic [MaxBlocks-1:0] avld, avld_new, clr, clr_run;
  logic [BlkW:0]        clr_at;
  logic [BlkW-1:0]      ablk;
  logic [57:0]          nblk_delta;
  logic                 we_meta, we_vld, we_word;

  always_comb begin
    at   = t_q[a_slot_q];
    awin = w_q[a_slot_q];
    aesn = esn_q[a_slot_q];
    ablk = a_seq_q[6 +: BlkW];
    avld = (fw_v_q && fw_slot_q == a_slot_q) ? fw_vld_q : a_vld_q;
    aw   = (fw_bv_q && fw_slot_q == a_slot_q && fw_blk_q == ablk) ? fw_word_q : a_w_q;
    aw   = avld[ablk] ? aw : 64'h0;
    a_ok = check_full(a_seq_q, at, awin, aesn, aw[a_seq_q[5:0]]);

    // nblk_delta blocks from index T/64 + 1 on, circularly (all of them from MaxBlocks on).
    nblk_delta = a_seq_q[63:6] - at[63:6];
    clr_run = ~({MaxBlocks{1'b1}} << nblk_delta[BlkW-1:0]);
    clr_at  = {1'b0, at[6 +: BlkW] + BlkW'(1)};
    clr     = (clr_run << clr_at) | (clr_run >> ((BlkW + 1)'(MaxBlocks) - clr_at));
    if (a_seq_q <= at) begin
      clr = '0;
    end else if (nblk_delta >= 58'(MaxBlocks)) begin
      clr = '1;
    end

    at_new   = at;
    awin_new = awin;
    aesn_new = aesn;
    avld_new = avld;
    aw_new   = aw;
    we_meta  = 1'b0;
    we_vld   = 1'b0;
    we_word  = 1'b0;
    if (a_v_q && a_init_q) begin
      we_meta  = 1'b1;
      we_vld   = 1'b1;
      we_word  = a_seq_q != 64'h0;
      at_new   = a_seq_q;
      awin_new = a_win_q;
      aesn_new = a_esn_q;
      avld_new = '0;
      avld_new[ablk] = a_seq_q != 64'h0;
      aw_new   = 64'h0;
      aw_new[a_seq_q[5:0]] = 1'b1;
    end else if (a_v_q && a_ok) begin
      // Commit: the blocks the window moves into are cleared (their valid bits), then mark.
      we_meta  = a_seq_q > at;
      we_vld   = 1'b1;
      we_word  = 1'b1;
      at_new   = (a_seq_q > at) ? a_seq_q : at;
      avld_new = avld & ~clr;
      aw_new   = avld_new[ablk] ? aw : 64'h0;
      avld_new[ablk] = 1'b1;
      aw_new[a_seq_q[5:0]] = 1'b1;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Stage 1, read lane: sees the write lane's operation of the same clock (accepted earlier)
  // ---------------------------------------------------------------------------------------
  logic                 same, b_ok, infer_ok;
  logic [63:0]          bt, wa, wb, seq_chk, bm, sl;
  logic [WinW-1:0]      bw;
  logic                 besn;
  logic [MaxBlocks-1:0] bvld;
  logic [BlkW-1:0]      bblk, bblk1;
  logic [31:0]          tl, th, bottom, hi;
  logic [127:0]         pair;
  logic [6:0]           nrep;

  always_comb begin
    same  = a_v_q && a_slot_q == b_slot_q;
    bt    = same ? at_new : t_q[b_slot_q];
    bw    = same ? awin_new : w_q[b_slot_q];
    besn  = same ? aesn_new : esn_q[b_slot_q];
    bvld  = same ? avld_new : ((fw_v_q && fw_slot_q == b_slot_q) ? fw_vld_q : b_vld_q);
    bblk  = b_seq_q[6 +: BlkW];
    bblk1 = bblk - BlkW'(1);
    wa    = bblk[0] ? b_w1_q : b_w0_q;
    wb    = bblk[0] ? b_w0_q : b_w1_q;
    if (fw_bv_q && fw_slot_q == b_slot_q && fw_blk_q == bblk) begin
      wa = fw_word_q;
    end
    if (fw_bv_q && fw_slot_q == b_slot_q && fw_blk_q == bblk1) begin
      wb = fw_word_q;
    end
    if (same && we_word && ablk == bblk) begin
      wa = aw_new;
    end
    if (same && we_word && ablk == bblk1) begin
      wb = aw_new;
    end
    wa = bvld[bblk] ? wa : 64'h0;
    wb = bvld[bblk1] ? wb : 64'h0;

    // ESN inference (RFC 4303 A2.2), in 32-bit arithmetic as the model does it.
    tl       = bt[31:0];
    th       = bt[63:32];
    bottom   = tl - (32'(bw) - 32'd1);
    hi       = th;
    infer_ok = 1'b1;
    if (besn) begin
      if (tl >= 32'(bw) - 32'd1) begin
        if (b_seq_q[31:0] < bottom) begin
          infer_ok = th != 32'hffff_ffff;
          hi       = th + 32'd1;
        end
      end else if (b_seq_q[31:0] >= bottom) begin
        infer_ok = th != 32'h0;
        hi       = th - 32'd1;
      end
    end
    seq_chk = {besn ? hi : 32'h0, b_seq_q[31:0]};
    b_ok    = infer_ok && check_full(seq_chk, bt, bw, besn, wa[b_seq_q[5:0]]);

    // Stats read: bit i = T-i received, for i < min(64, W, T). pair = {block T/64, block
    // T/64 - 1}; T-i sits at pair index 64 + T%64 - i.
    pair = {wa, wb};
    sl   = pair[b_seq_q[5:0] + 7'd1 +: 64];
    for (int i = 0; i < 64; i++) begin
      bm[i] = sl[63 - i];
    end
    nrep = 7'd64;
    if (64'(bw) < 64'(nrep)) begin
      nrep = 7'(bw);
    end
    if (bt < 64'(nrep)) begin
      nrep = 7'(bt);
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
    if (a_acc) begin
      a_vld_q <= vld_mem[a_slot];
      a_w_q   <= bank_mem[a_blk[0]][{a_slot, a_blk[BlkW-1:1]}];
    end
    if (b_acc) begin
      b_vld_q <= vld_mem[b_slot];
      b_w0_q  <= bank_mem[0][b_a0];
      b_w1_q  <= bank_mem[1][b_a1];
    end
    // RAM and meta writes (stage 1, write lane).
    if (we_meta) begin
      t_q[a_slot_q]   <= at_new;
      w_q[a_slot_q]   <= awin_new;
      esn_q[a_slot_q] <= aesn_new;
    end
    if (we_vld) begin
      vld_mem[a_slot_q] <= avld_new;
    end
    if (we_word) begin
      bank_mem[ablk[0]][{a_slot_q, ablk[BlkW-1:1]}] <= aw_new;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a_v_q           <= 1'b0;
      a_init_q        <= 1'b0;
      a_slot_q        <= '0;
      a_seq_q         <= '0;
      a_win_q         <= '0;
      a_esn_q         <= 1'b0;
      b_v_q           <= 1'b0;
      b_chk_q         <= 1'b0;
      b_slot_q        <= '0;
      b_seq_q         <= '0;
      fw_v_q          <= 1'b0;
      fw_bv_q         <= 1'b0;
      fw_slot_q       <= '0;
      fw_vld_q        <= '0;
      fw_blk_q        <= '0;
      fw_word_q       <= '0;
      init_done_o     <= 1'b0;
      chk_done_o      <= 1'b0;
      chk_ok_o        <= 1'b0;
      chk_seq_o       <= '0;
      cmt_done_o      <= 1'b0;
      cmt_ok_o        <= 1'b0;
      rd_done_o       <= 1'b0;
      rd_t_o          <= '0;
      rd_bitmap_o     <= '0;
    end else begin
      a_v_q     <= a_acc;
      a_init_q  <= init_valid_i;
      a_slot_q  <= a_slot;
      a_seq_q   <= a_seq;
      a_win_q   <= win0;
      a_esn_q   <= init_esn_i;
      b_v_q     <= b_acc;
      b_chk_q   <= chk_valid_i;
      b_slot_q  <= b_slot;
      b_seq_q   <= b_seq;
      fw_v_q    <= we_vld;
      fw_bv_q   <= we_word;
      fw_slot_q <= a_slot_q;
      fw_vld_q  <= avld_new;
      fw_blk_q  <= ablk;
      fw_word_q <= aw_new;
      init_done_o <= a_v_q && a_init_q;
      cmt_done_o  <= a_v_q && !a_init_q;
      cmt_ok_o    <= a_ok;
      chk_done_o  <= b_v_q && b_chk_q;
      chk_ok_o    <= b_ok;
      chk_seq_o   <= seq_chk;
      rd_done_o   <= b_v_q && !b_chk_q;
      rd_t_o      <= bt;
      rd_bitmap_o <= bm;
    end
  end

  `ASSERT_INIT(ParamsLegal_A, Slots >= 1 && MaxWindow >= 64 && MaxBlocks >= 4)
  `ASSERT(InitWindowLegal_A, init_valid_i |-> init_window_i <= WinW'(MaxWindow))

endmodule
