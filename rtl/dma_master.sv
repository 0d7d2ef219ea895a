// dma_master: the device's bus master to host memory. AXI4-style read (AR/R) and write
// (AW/W/B) channels, DataW-bit data (128 by default; 128, 256, 512 or 1024: a beat is
// BB = DataW/8 bytes), INCR bursts of up to 16 beats that never cross a 16-beat (16*BB-byte:
// 256 B at 128 bits, 2 KiB at 1024) boundary, so never a 4 KiB one; one ID (responses in
// order), several read bursts outstanding. Documentation: rtl/doc/dma_master.md.
//
// Requests are byte-exact (any address, any length >= 1); the master realigns:
//   read:  rd_req (addr, len) -> exactly ceil(len/BB) beats on rd_*; byte 0 of the request
//          (the byte at addr) in rd_data_o[DataW-1 -: 8]; bytes past len in the last beat are
//          whatever the bus returned. rd_last_o marks the final beat; rd_err_o (valid with
//          rd_last_o) is 1 if any R beat of the request had RRESP != OKAY. No back-pressure:
//          the consumer takes a beat every clock rd_valid_o is high. Up to RdReqs requests
//          are taken before their data (their beats follow each other in request order).
//   write: wr_req (addr, len), then ceil(len/BB) beats on wr_data_* (valid/ready, byte 0 in
//          [DataW-1 -: 8], every beat full but the last); WSTRB enables exactly the len bytes.
//          wr_done_o pulses once every B response of the request is in; wr_err_o (with it) is
//          1 if any of them had BRESP != OKAY. Up to 4 requests are taken before their data
//          (their beats follow each other in request order, with no idle W clock between two
//          requests when the data is there) and up to 8 wait for B; wr_done_o comes once per
//          request, in order.
//
// AXI bus byte order: little-endian byte lanes as AXI specifies: the byte at address A sits in
// [8*(A%BB) +: 8] of RDATA/WDATA, WSTRB[A%BB] enables it. ARSIZE/AWSIZE are BB bytes,
// ARBURST/AWBURST INCR (not driven as ports: fixed by this master).
module dma_master #(
  parameter int unsigned RdOutstanding = 4,  // read bursts in flight at once
  parameter int unsigned RdReqs = 4,         // read requests taken before their data (2^n)
  parameter int unsigned DataW = 128         // host bus data width: 128, 256, 512 or 1024
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  // Read requests and data.
  input  logic         rd_req_valid_i,
  output logic         rd_req_ready_o,
  input  logic [63:0]  rd_req_addr_i,
  input  logic [15:0]  rd_req_len_i,
  output logic         rd_valid_o,
  output logic [DataW-1:0] rd_data_o,
  output logic         rd_last_o,
  output logic         rd_err_o,
  // Write requests, data and completion.
  input  logic         wr_req_valid_i,
  output logic         wr_req_ready_o,
  input  logic [63:0]  wr_req_addr_i,
  input  logic [15:0]  wr_req_len_i,
  input  logic         wr_data_valid_i,
  output logic         wr_data_ready_o,
  input  logic [DataW-1:0] wr_data_i,
  output logic         wr_done_o,
  output logic         wr_err_o,
  // AXI4 master.
  output logic         m_arvalid_o,
  input  logic         m_arready_i,
  output logic [63:0]  m_araddr_o,
  output logic [7:0]   m_arlen_o,
  input  logic         m_rvalid_i,
  output logic         m_rready_o,
  input  logic [DataW-1:0] m_rdata_i,
  input  logic [1:0]   m_rresp_i,
  input  logic         m_rlast_i,
  output logic         m_awvalid_o,
  input  logic         m_awready_i,
  output logic [63:0]  m_awaddr_o,
  output logic [7:0]   m_awlen_o,
  output logic         m_wvalid_o,
  input  logic         m_wready_i,
  output logic [DataW-1:0] m_wdata_o,
  output logic [DataW/8-1:0] m_wstrb_o,
  output logic         m_wlast_o,
  input  logic         m_bvalid_i,
  output logic         m_bready_o,
  input  logic [1:0]   m_bresp_i,
  // Utilization: clocks with a read / write request in progress.
  output logic         rd_busy_o,
  output logic         wr_busy_o
);
  `include "prim_assert.svh"

  localparam int unsigned OutW = $clog2(RdOutstanding + 1);
  localparam int unsigned BB = DataW / 8;      // bytes per beat
  localparam int unsigned OffW = $clog2(BB);   // byte offset in a beat: address [OffW-1:0]
  localparam int unsigned WinW = OffW + 4;     // a burst window (16 beats): address [WinW-1:0]
  localparam int unsigned PosW = 13 + OffW;    // byte positions of a request (offset + len)

  // Byte-order swap between the internal order (byte 0 in [DataW-1 -: 8]) and AXI lanes.
  function automatic logic [DataW-1:0] swap_bytes(logic [DataW-1:0] d);
    logic [DataW-1:0] r;
    for (int i = 0; i < int'(BB); i++) r[8*i +: 8] = d[DataW-1-8*i -: 8];
    return r;
  endfunction

  // Beats of a burst starting at beat a of its 16-beat window (address [WinW-1:OffW]) with n
  // beats left: at most 16 and not past the window's end (a 16*BB-byte boundary).
  function automatic logic [4:0] burst_beats(logic [3:0] a, logic [11:0] n);
    logic [4:0] to_bound;
    to_bound = 5'd16 - {1'b0, a};
    return (n < {7'd0, to_bound}) ? n[4:0] : to_bound;
  endfunction

  // ------------------------------------------------------------------------------------ read
  // Requests wait in a FIFO (RdReqs deep): the AR side walks them issuing bursts (up to
  // RdOutstanding in flight), the R side realigns the beats of the oldest one; the next
  // request's R beats may follow the previous one's directly (responses are in order).
  logic [63:0] rq_addr_q [RdReqs];
  logic [15:0] rq_len_q  [RdReqs];
  localparam int unsigned RqW = $clog2(RdReqs);
  logic [RqW:0] rq_wr_q, rq_ar_q, rq_rd_q, rq_wr_d, rq_ar_d, rq_rd_d;
  logic [63:0] ar_addr_q, ar_addr_d;      // next burst's aligned address
  logic [11:0] ar_left_q, ar_left_d;      // aligned beats not yet requested (of rq_ar_q - 1)
  logic        rd_active_q, rd_active_d;  // the R side has a request (rq_rd_q)
  logic [11:0] r_left_q, r_left_d;        // aligned beats not yet received
  logic [11:0] out_left_q, out_left_d;    // output beats not yet given
  logic [OffW-1:0] rd_off_q, rd_off_d;
  logic [OutW-1:0] rd_out_q, rd_out_d;    // bursts outstanding
  logic        rd_err_q, rd_err_d;
  logic [DataW-1:0] rd_prev_q, rd_prev_d;  // previous aligned beat (internal order)
  logic        rd_flush_q, rd_flush_d;    // one output left from rd_prev_q alone
  logic [11:0] ar_total_q, ar_total_d;    // aligned beats of the request (spots its first R)

  logic [4:0]  ar_beats;
  logic        ar_fire, r_fire, rd_accept, rd_finish;
  logic [DataW-1:0] r_cur;
  logic [DataW-1:0] rd_comb;

  // Aligned beats of n bytes from byte offset a of a beat.
  function automatic logic [11:0] span_of(logic [OffW-1:0] a, logic [15:0] n);
    return 12'((17'(a) + {1'b0, n} + 17'(BB - 1)) >> OffW);
  endfunction
  // Beats of n bytes (from an aligned start).
  function automatic logic [11:0] beats_of(logic [15:0] n);
    return 12'(({1'b0, n} + 17'(BB - 1)) >> OffW);
  endfunction

  assign ar_beats = burst_beats(ar_addr_q[WinW-1:OffW], ar_left_q);
  assign m_arvalid_o = ar_left_q != 12'd0 && rd_out_q != OutW'(RdOutstanding);
  assign m_araddr_o = ar_addr_q;
  assign m_arlen_o = {3'd0, ar_beats - 5'd1};
  assign ar_fire = m_arvalid_o && m_arready_i;
  // R is held for one clock while the last output of a request comes from rd_prev_q alone
  // (not for a request within one aligned beat: its output goes with that beat).
  assign m_rready_o = !rd_flush_q;
  assign r_fire = m_rvalid_i && m_rready_o;
  assign r_cur = swap_bytes(m_rdata_i);
  assign rd_req_ready_o = (rq_wr_q - rq_rd_q) != (RqW + 1)'(RdReqs);
  assign rd_accept = rd_req_valid_i && rd_req_ready_o;
  assign rd_busy_o = rd_active_q || rq_wr_q != rq_rd_q;

  logic        r_err, r_first;
  assign r_err = rd_err_q || m_rresp_i != 2'b00;
  assign r_first = r_left_q == ar_total_q;

  // Output beat from the previous and the current aligned beat: bytes off..BB-1 of prev, then
  // bytes 0..off-1 of cur.
  always_comb begin
    rd_comb = rd_prev_q << (8 * rd_off_q);
    if (rd_off_q != '0) rd_comb = rd_comb | (r_cur >> (8 * ((OffW + 1)'(BB) - {1'b0, rd_off_q})));
  end

  // Output beats (from the state and the R channel only).
  always_comb begin
    rd_valid_o = 1'b0;
    rd_data_o = r_cur;
    rd_last_o = 1'b0;
    rd_err_o = 1'b0;
    if (rd_flush_q) begin
      // The last output beat comes from the last aligned beat alone.
      rd_valid_o = 1'b1;
      rd_data_o = rd_prev_q << (8 * rd_off_q);
      rd_last_o = 1'b1;
      rd_err_o = rd_err_q;
    end else if (r_fire && rd_active_q) begin
      if (rd_off_q == '0) begin
        rd_valid_o = 1'b1;
      end else if (!r_first) begin
        rd_valid_o = 1'b1;
        rd_data_o = rd_comb;
      end else if (ar_total_q == 12'd1) begin
        // A request within one aligned beat (a descriptor on a wide bus): its one output from
        // that beat alone, at once (not a clock later with R held).
        rd_valid_o = 1'b1;
        rd_data_o = r_cur << (8 * rd_off_q);
      end
      if (rd_valid_o && out_left_q == 12'd1) begin
        rd_last_o = 1'b1;
        rd_err_o = r_err;
      end
    end
  end

  always_comb begin
    logic [RqW:0] nxt;
    rq_wr_d = rq_wr_q + (RqW + 1)'(rd_accept);
    rq_ar_d = rq_ar_q;
    rq_rd_d = rq_rd_q;
    ar_addr_d = ar_addr_q;
    ar_left_d = ar_left_q;
    rd_active_d = rd_active_q;
    r_left_d = r_left_q;
    out_left_d = out_left_q;
    rd_off_d = rd_off_q;
    rd_out_d = rd_out_q;
    rd_err_d = rd_err_q;
    rd_prev_d = rd_prev_q;
    rd_flush_d = rd_flush_q;
    ar_total_d = ar_total_q;
    rd_finish = 1'b0;
    // AR side: bursts of the request at rq_ar_q - 1; the next one once they are all out, taken
    // in the clock its last burst goes (so single-burst requests go out one a clock: on a wide
    // bus a descriptor or a small packet is one beat).
    if (ar_fire) begin
      ar_addr_d = ar_addr_q + (64'(ar_beats) << OffW);
      ar_left_d = ar_left_q - {7'd0, ar_beats};
    end
    if ((ar_fire ? ar_left_d : ar_left_q) == 12'd0 && rq_ar_q != rq_wr_q) begin
      ar_addr_d = {rq_addr_q[rq_ar_q[RqW-1:0]][63:OffW], {OffW{1'b0}}};
      ar_left_d = span_of(rq_addr_q[rq_ar_q[RqW-1:0]][OffW-1:0], rq_len_q[rq_ar_q[RqW-1:0]]);
      rq_ar_d = rq_ar_q + (RqW + 1)'(1);
    end
    // R side.
    if (rd_flush_q) begin
      rd_flush_d = 1'b0;
      rd_finish = 1'b1;
    end else if (r_fire && rd_active_q) begin
      rd_err_d = r_err;
      rd_prev_d = r_cur;
      r_left_d = r_left_q - 12'd1;
      if (rd_valid_o) out_left_d = out_left_q - 12'd1;
      if (r_left_q == 12'd1) begin
        // Last aligned beat: done, or one more output from it alone.
        if (rd_last_o) begin
          rd_finish = 1'b1;
        end else begin
          rd_flush_d = 1'b1;
        end
      end
    end
    if (rd_finish) begin
      rd_active_d = 1'b0;
      rq_rd_d = rq_rd_q + (RqW + 1)'(1);
    end
    // Load the oldest request into the R side (at once when the previous one finishes: its
    // beats may come in the next clock).
    nxt = rq_rd_d;
    if (!rd_active_d && nxt != rq_wr_q) begin
      rd_active_d = 1'b1;
      r_left_d = span_of(rq_addr_q[nxt[RqW-1:0]][OffW-1:0], rq_len_q[nxt[RqW-1:0]]);
      ar_total_d = r_left_d;
      out_left_d = beats_of(rq_len_q[nxt[RqW-1:0]]);
      rd_off_d = rq_addr_q[nxt[RqW-1:0]][OffW-1:0];
      rd_err_d = 1'b0;
      rd_flush_d = 1'b0;
    end
    if (ar_fire && !(r_fire && m_rlast_i)) begin
      rd_out_d = rd_out_q + OutW'(1);
    end else if (!ar_fire && r_fire && m_rlast_i) begin
      rd_out_d = rd_out_q - OutW'(1);
    end
  end

  // The read request FIFO's entries (a memory, no reset: read only between its pointers).
  always_ff @(posedge clk_i) begin
    if (rd_accept) begin
      rq_addr_q[rq_wr_q[RqW-1:0]] <= rd_req_addr_i;
      rq_len_q[rq_wr_q[RqW-1:0]] <= rd_req_len_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rq_wr_q <= '0;
      rq_ar_q <= '0;
      rq_rd_q <= '0;
      ar_addr_q <= 64'd0;
      ar_left_q <= 12'd0;
      rd_active_q <= 1'b0;
      r_left_q <= 12'd0;
      out_left_q <= 12'd0;
      rd_off_q <= '0;
      rd_out_q <= '0;
      rd_err_q <= 1'b0;
      rd_prev_q <= '0;
      rd_flush_q <= 1'b0;
      ar_total_q <= 12'd0;
    end else begin
      rq_wr_q <= rq_wr_d;
      rq_ar_q <= rq_ar_d;
      rq_rd_q <= rq_rd_d;
      ar_addr_q <= ar_addr_d;
      ar_left_q <= ar_left_d;
      rd_active_q <= rd_active_d;
      r_left_q <= r_left_d;
      out_left_q <= out_left_d;
      rd_off_q <= rd_off_d;
      rd_out_q <= rd_out_d;
      rd_err_q <= rd_err_d;
      rd_prev_q <= rd_prev_d;
      rd_flush_q <= rd_flush_d;
      ar_total_q <= ar_total_d;
    end
  end

  // ----------------------------------------------------------------------------------- write
  // Accepted requests wait in a queue of WrQueue entries until their last W beat is out; two
  // pointers walk it in order: the AW side issues the bursts of one request after the other
  // (the next request's first burst in the clock after the previous one's last, straight from
  // the queue entry), up to AwAhead bursts ahead of W; the W side realigns the beats of one
  // request and loads the next one in the clock of the previous one's last beat, so the W beats
  // of consecutive requests follow each other with no idle clock. A second FIFO (WrReqs deep)
  // holds each accepted request's burst count until its last B is in: B responses are counted
  // against its head (wr_done_o / wr_err_o once per request, in order).
  // Depths: a request enters the queue 2 clocks before its first W beat can go (accept, AW, W),
  // so 4 entries keep W busy whatever the lengths; a request waits for B about W beats + AXI
  // write latency + 3 clocks, so 8 entries keep 1-beat writes streaming at write latency <= 4.
  localparam int unsigned AwAhead = 2;  // AW bursts whose W is not complete
  localparam int unsigned WrQueue = 4;  // requests whose W is not complete
  localparam int unsigned WrReqs = 8;   // requests accepted and not done (waiting for B)

  // Queue entries: the request and its aligned beat count (computed at acceptance).
  logic [63:0] wq_addr_q   [WrQueue];
  logic [15:0] wq_len_q    [WrQueue];
  logic [11:0] wq_span_q   [WrQueue];
  logic [2:0]  wq_wr_q, wq_aw_q, wq_w_q, wq_hd_q;  // next free, next AW, next W load, oldest
  logic [2:0]  wq_aw_d, wq_w_d, wq_hd_d;
  logic        wq_full;
  // B accounting: bursts (16-beat windows touched) of each request waiting for B, oldest first.
  logic [6:0]  bq_bursts_q [WrReqs];
  logic [3:0]  bq_wr_q, bq_rd_q, bq_rd_d;
  logic        bq_full, bq_empty;
  // AW side: the request at wq_aw_q - 1 while aw_left_q != 0.
  logic [63:0] aw_addr_q, aw_addr_d;
  logic [11:0] aw_left_q, aw_left_d;      // aligned beats not yet in an AW
  logic [1:0]  aw_pend_q, aw_pend_d;      // bursts with an AW whose W is not complete
  // W side: the request at wq_w_q - 1 while w_active_q.
  logic        w_active_q, w_active_d;
  logic [3:0]  w_addr_q, w_addr_d;        // beat of the next W beat in its 16-beat window
  logic [11:0] w_idx_q, w_idx_d;          // aligned beat index of the request
  logic [11:0] w_total_q, w_total_d;      // aligned beats of the request
  logic [11:0] in_beats_q, in_beats_d;    // input beats of the request
  logic [OffW-1:0] wr_off_q, wr_off_d;
  logic [PosW-1:0] wr_end_q, wr_end_d;    // off + len: first byte index (aligned) past the data
  logic [DataW-1:0] wr_prev_q, wr_prev_d; // previous input beat
  // B side.
  logic [6:0]  b_cnt_q, b_cnt_d;          // B responses in for the oldest request
  logic        b_err_q, b_err_d;          // ... with an error among them

  logic        aw_from_q;                 // the AW burst comes from a new FIFO entry
  logic [1:0]  aw_slot;
  logic [63:0] aw_cur_addr;
  logic [11:0] aw_cur_left;
  logic [4:0]  aw_beats;
  logic        need_in;                   // this aligned beat consumes an input beat
  logic [DataW-1:0] w_cur, w_data;
  logic [BB-1:0] w_strb;
  logic        wr_accept, aw_fire, w_fire, w_end_burst, w_end_req;

  // Bursts of n bytes from byte a of a 16-beat window: the windows they touch.
  function automatic logic [6:0] bursts_of(logic [WinW-1:0] a, logic [15:0] n);
    return 7'(((PosW'(a) + PosW'(n) - PosW'(1)) >> WinW) + PosW'(1));
  endfunction

  assign wq_full = (wq_wr_q - wq_hd_q) == 3'(WrQueue);
  assign bq_empty = bq_wr_q == bq_rd_q;
  assign bq_full = (bq_wr_q - bq_rd_q) == 4'(WrReqs);
  assign wr_req_ready_o = !wq_full && !bq_full;
  assign wr_accept = wr_req_valid_i && wr_req_ready_o;
  assign wr_busy_o = !bq_empty;

  // AW: the current request's next burst, or (none left) the first burst of the next entry.
  assign aw_from_q = aw_left_q == 12'd0;
  assign aw_slot = wq_aw_q[1:0];
  assign aw_cur_addr = aw_from_q ? {wq_addr_q[aw_slot][63:OffW], {OffW{1'b0}}} : aw_addr_q;
  assign aw_cur_left = aw_from_q ? wq_span_q[aw_slot] : aw_left_q;
  assign aw_beats = burst_beats(aw_cur_addr[WinW-1:OffW], aw_cur_left);
  assign m_awvalid_o = (!aw_from_q || wq_aw_q != wq_wr_q) && aw_pend_q != 2'(AwAhead);
  assign m_awaddr_o = aw_cur_addr;
  assign m_awlen_o = {3'd0, aw_beats - 5'd1};
  assign aw_fire = m_awvalid_o && m_awready_i;
  assign m_bready_o = 1'b1;
  assign need_in = w_idx_q < in_beats_q;
  assign w_cur = need_in ? wr_data_i : '0;

  // Aligned beat j: bytes 0..off-1 from the end of input beat j-1, bytes off..BB-1 from the
  // start of input beat j.
  always_comb begin
    w_data = w_cur >> (8 * wr_off_q);
    if (wr_off_q != '0) begin
      w_data = w_data | (wr_prev_q << (8 * ((OffW + 1)'(BB) - {1'b0, wr_off_q})));
    end
    for (int b = 0; b < int'(BB); b++) begin
      logic [PosW-1:0] pos;
      pos = PosW'({w_idx_q, {OffW{1'b0}}}) + PosW'(b);
      w_strb[b] = pos >= PosW'(wr_off_q) && pos < wr_end_q;
    end
  end

  // W beats of bursts whose AW went out (aw_pend_q: a register, so WVALID never waits on
  // AWREADY in the same clock); a burst ends at its window's end or the end of the request.
  assign w_end_req = w_idx_q == w_total_q - 12'd1;
  assign w_end_burst = w_addr_q == 4'hf || w_end_req;
  assign m_wvalid_o = w_active_q && aw_pend_q != 2'd0 && (!need_in || wr_data_valid_i);
  assign m_wdata_o = swap_bytes(w_data);
  assign m_wstrb_o = w_strb;
  assign m_wlast_o = w_end_burst;
  assign w_fire = m_wvalid_o && m_wready_i;
  assign wr_data_ready_o = w_active_q && aw_pend_q != 2'd0 && need_in && m_wready_i;

  // Done once every burst's B of the oldest request is in (from the state and the B channel).
  assign wr_done_o = m_bvalid_i && !bq_empty && b_cnt_q + 7'd1 == bq_bursts_q[bq_rd_q[2:0]];
  assign wr_err_o = b_err_q || (m_bvalid_i && m_bresp_i != 2'b00);

  always_comb begin
    logic [1:0] ws;
    wq_aw_d = wq_aw_q;
    wq_w_d = wq_w_q;
    wq_hd_d = wq_hd_q;
    bq_rd_d = bq_rd_q;
    aw_addr_d = aw_addr_q;
    aw_left_d = aw_left_q;
    aw_pend_d = aw_pend_q;
    w_active_d = w_active_q;
    w_addr_d = w_addr_q;
    w_idx_d = w_idx_q;
    w_total_d = w_total_q;
    in_beats_d = in_beats_q;
    wr_off_d = wr_off_q;
    wr_end_d = wr_end_q;
    wr_prev_d = wr_prev_q;
    b_cnt_d = b_cnt_q;
    b_err_d = b_err_q;
    // AW side.
    if (aw_fire) begin
      aw_addr_d = aw_cur_addr + (64'(aw_beats) << OffW);
      aw_left_d = aw_cur_left - {7'd0, aw_beats};
      if (aw_from_q) wq_aw_d = wq_aw_q + 3'd1;
    end
    aw_pend_d = aw_pend_q + {1'b0, aw_fire} - {1'b0, w_fire && w_end_burst};
    // W side.
    if (w_fire) begin
      if (need_in) wr_prev_d = wr_data_i;
      w_idx_d = w_idx_q + 12'd1;
      w_addr_d = w_addr_q + 4'd1;
      if (w_end_req) begin
        w_active_d = 1'b0;
        wq_hd_d = wq_hd_q + 3'd1;  // its entry is free (AW went before W)
      end
    end
    // Load the next request into the W side (at once when the previous one ends: its first
    // beat may go in the next clock).
    ws = wq_w_q[1:0];
    if (!w_active_d && wq_w_q != wq_wr_q) begin
      w_active_d = 1'b1;
      wq_w_d = wq_w_q + 3'd1;
      w_addr_d = wq_addr_q[ws][WinW-1:OffW];
      w_idx_d = 12'd0;
      w_total_d = wq_span_q[ws];
      in_beats_d = beats_of(wq_len_q[ws]);
      wr_off_d = wq_addr_q[ws][OffW-1:0];
      wr_end_d = PosW'(wq_addr_q[ws][OffW-1:0]) + PosW'(wq_len_q[ws]);
      wr_prev_d = '0;
    end
    // B side.
    if (m_bvalid_i) begin
      if (wr_done_o) begin
        b_cnt_d = 7'd0;
        b_err_d = 1'b0;
        bq_rd_d = bq_rd_q + 4'd1;
      end else begin
        b_cnt_d = b_cnt_q + 7'd1;
        b_err_d = wr_err_o;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int i = 0; i < int'(WrQueue); i++) begin
        wq_addr_q[i] <= 64'd0;
        wq_len_q[i] <= 16'd0;
        wq_span_q[i] <= 12'd0;
      end
      for (int i = 0; i < int'(WrReqs); i++) bq_bursts_q[i] <= 7'd0;
      wq_wr_q <= 3'd0;
      wq_aw_q <= 3'd0;
      wq_w_q <= 3'd0;
      wq_hd_q <= 3'd0;
      bq_wr_q <= 4'd0;
      bq_rd_q <= 4'd0;
      aw_addr_q <= 64'd0;
      aw_left_q <= 12'd0;
      aw_pend_q <= 2'd0;
      w_active_q <= 1'b0;
      w_addr_q <= 4'd0;
      w_idx_q <= 12'd0;
      w_total_q <= 12'd0;
      in_beats_q <= 12'd0;
      wr_off_q <= '0;
      wr_end_q <= '0;
      wr_prev_q <= '0;
      b_cnt_q <= 7'd0;
      b_err_q <= 1'b0;
    end else begin
      if (wr_accept) begin
        wq_addr_q[wq_wr_q[1:0]] <= wr_req_addr_i;
        wq_len_q[wq_wr_q[1:0]] <= wr_req_len_i;
        wq_span_q[wq_wr_q[1:0]] <= span_of(wr_req_addr_i[OffW-1:0], wr_req_len_i);
        bq_bursts_q[bq_wr_q[2:0]] <= bursts_of(wr_req_addr_i[WinW-1:0], wr_req_len_i);
      end
      wq_wr_q <= wq_wr_q + {2'd0, wr_accept};
      wq_aw_q <= wq_aw_d;
      wq_w_q <= wq_w_d;
      wq_hd_q <= wq_hd_d;
      bq_wr_q <= bq_wr_q + {3'd0, wr_accept};
      bq_rd_q <= bq_rd_d;
      aw_addr_q <= aw_addr_d;
      aw_left_q <= aw_left_d;
      aw_pend_q <= aw_pend_d;
      w_active_q <= w_active_d;
      w_addr_q <= w_addr_d;
      w_idx_q <= w_idx_d;
      w_total_q <= w_total_d;
      in_beats_q <= in_beats_d;
      wr_off_q <= wr_off_d;
      wr_end_q <= wr_end_d;
      wr_prev_q <= wr_prev_d;
      b_cnt_q <= b_cnt_d;
      b_err_q <= b_err_d;
    end
  end

  // At most 768: what a PCIe endpoint with 10-bit tags may have outstanding.
  `ASSERT_INIT(RdOutstandingLegal_A, RdOutstanding >= 1 && RdOutstanding <= 768)
  `ASSERT_INIT(DataWLegal_A, DataW == 128 || DataW == 256 || DataW == 512 || DataW == 1024)
  `ASSERT(NoRUnexpected_A, r_fire |-> rd_active_q)
  `ASSERT(RdReqNonEmpty_A, rd_req_valid_i && rd_req_ready_o |-> rd_req_len_i != 16'd0)
  `ASSERT(WrReqNonEmpty_A, wr_req_valid_i && wr_req_ready_o |-> wr_req_len_i != 16'd0)
  `ASSERT(NoBUnexpected_A, m_bvalid_i |-> !bq_empty)
  `ASSERT(AwAheadBound_A, aw_pend_q <= 2'(AwAhead))
  // The AW and W pointers stay between the oldest queue entry and the next free one; an entry
  // is freed (its W complete) only after its AW went out.
  `ASSERT(WrPtrOrder_A, (wq_w_q - wq_hd_q) <= (wq_wr_q - wq_hd_q) &&
                        (wq_aw_q - wq_hd_q) <= (wq_wr_q - wq_hd_q))
  `ASSERT(WrFreeAfterAw_A, w_fire && w_end_req |-> wq_aw_q != wq_hd_q)

endmodule
