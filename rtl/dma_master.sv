// dma_master: the device's bus master to host memory. AXI4-style read (AR/R) and write
// (AW/W/B) channels, 128-bit data, INCR bursts of up to 16 beats that never cross a 256-byte
// boundary (so never a 4 KiB one), one ID (responses in order), several read bursts
// outstanding. Documentation: rtl/doc/dma_master.md.
//
// Requests are byte-exact (any address, any length >= 1); the master realigns:
//   read:  rd_req (addr, len) -> exactly ceil(len/16) beats on rd_*; byte 0 of the request
//          (the byte at addr) in rd_data_o[127:120]; bytes past len in the last beat are
//          whatever the bus returned. rd_last_o marks the final beat; rd_err_o (valid with
//          rd_last_o) is 1 if any R beat of the request had RRESP != OKAY. No back-pressure:
//          the consumer takes a beat every clock rd_valid_o is high.
//   write: wr_req (addr, len), then ceil(len/16) beats on wr_data_* (valid/ready, byte 0 in
//          [127:120], every beat full but the last); WSTRB enables exactly the len bytes.
//          wr_done_o pulses once every B response is in; wr_err_o (with it) is 1 if any
//          BRESP != OKAY.
// A new request of either kind is taken only when the previous one of that kind is done.
//
// AXI bus byte order: little-endian byte lanes as AXI specifies: the byte at address A sits in
// [8*(A%16) +: 8] of RDATA/WDATA, WSTRB[A%16] enables it. ARSIZE/AWSIZE are 16 bytes,
// ARBURST/AWBURST INCR (not driven as ports: fixed by this master).
module dma_master #(
  parameter int unsigned RdOutstanding = 4  // read bursts in flight at once
) (
  input  logic         clk_i,
  input  logic         rst_ni,
  // Read requests and data.
  input  logic         rd_req_valid_i,
  output logic         rd_req_ready_o,
  input  logic [63:0]  rd_req_addr_i,
  input  logic [15:0]  rd_req_len_i,
  output logic         rd_valid_o,
  output logic [127:0] rd_data_o,
  output logic         rd_last_o,
  output logic         rd_err_o,
  // Write requests, data and completion.
  input  logic         wr_req_valid_i,
  output logic         wr_req_ready_o,
  input  logic [63:0]  wr_req_addr_i,
  input  logic [15:0]  wr_req_len_i,
  input  logic         wr_data_valid_i,
  output logic         wr_data_ready_o,
  input  logic [127:0] wr_data_i,
  output logic         wr_done_o,
  output logic         wr_err_o,
  // AXI4 master.
  output logic         m_arvalid_o,
  input  logic         m_arready_i,
  output logic [63:0]  m_araddr_o,
  output logic [7:0]   m_arlen_o,
  input  logic         m_rvalid_i,
  output logic         m_rready_o,
  input  logic [127:0] m_rdata_i,
  input  logic [1:0]   m_rresp_i,
  input  logic         m_rlast_i,
  output logic         m_awvalid_o,
  input  logic         m_awready_i,
  output logic [63:0]  m_awaddr_o,
  output logic [7:0]   m_awlen_o,
  output logic         m_wvalid_o,
  input  logic         m_wready_i,
  output logic [127:0] m_wdata_o,
  output logic [15:0]  m_wstrb_o,
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

  // Byte-order swap between the internal order (byte 0 in [127:120]) and AXI lanes.
  function automatic logic [127:0] swap16(logic [127:0] d);
    logic [127:0] r;
    for (int i = 0; i < 16; i++) r[8*i +: 8] = d[127-8*i -: 8];
    return r;
  endfunction

  // Beats of a burst starting at aligned beat address a with n beats left: at most 16 and not
  // past the next 256-byte boundary.
  function automatic logic [4:0] burst_beats(logic [3:0] a, logic [11:0] n);
    logic [4:0] to_bound;
    to_bound = 5'd16 - {1'b0, a};
    return (n < {7'd0, to_bound}) ? n[4:0] : to_bound;
  endfunction

  // ------------------------------------------------------------------------------------ read
  logic        rd_active_q, rd_active_d;
  logic [63:0] ar_addr_q, ar_addr_d;      // next burst's aligned address
  logic [11:0] ar_left_q, ar_left_d;      // aligned beats not yet requested
  logic [11:0] r_left_q, r_left_d;        // aligned beats not yet received
  logic [11:0] out_left_q, out_left_d;    // output beats not yet given
  logic [3:0]  rd_off_q, rd_off_d;
  logic [OutW-1:0] rd_out_q, rd_out_d;    // bursts outstanding
  logic        rd_err_q, rd_err_d;
  logic [127:0] rd_prev_q, rd_prev_d;     // previous aligned beat (internal order)
  logic        rd_flush_q, rd_flush_d;    // one output left from rd_prev_q alone
  logic [11:0] ar_total_q, ar_total_d;    // aligned beats of the request (spots its first R)

  logic [4:0]  ar_beats;
  logic        ar_fire, r_fire;
  logic [127:0] r_cur;
  logic [127:0] rd_comb;

  assign ar_beats = burst_beats(ar_addr_q[7:4], ar_left_q);
  assign m_arvalid_o = rd_active_q && ar_left_q != 12'd0 &&
                       rd_out_q != OutW'(RdOutstanding);
  assign m_araddr_o = ar_addr_q;
  assign m_arlen_o = {3'd0, ar_beats - 5'd1};
  assign ar_fire = m_arvalid_o && m_arready_i;
  assign m_rready_o = 1'b1;
  assign r_fire = m_rvalid_i;
  assign r_cur = swap16(m_rdata_i);
  assign rd_req_ready_o = !rd_active_q;
  assign rd_busy_o = rd_active_q;

  logic [11:0] rd_span;  // aligned beats of a new request
  logic        r_err, r_first;
  assign rd_span = 12'(({13'd0, rd_req_addr_i[3:0]} + {1'b0, rd_req_len_i} + 17'd15) >> 4);
  assign r_err = rd_err_q || m_rresp_i != 2'b00;
  assign r_first = r_left_q == ar_total_q;

  // Output beat from the previous and the current aligned beat: bytes off..15 of prev, then
  // bytes 0..off-1 of cur.
  always_comb begin
    rd_comb = rd_prev_q << (8 * rd_off_q);
    if (rd_off_q != 4'd0) rd_comb = rd_comb | (r_cur >> (8 * (5'd16 - {1'b0, rd_off_q})));
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
      if (rd_off_q == 4'd0) begin
        rd_valid_o = 1'b1;
      end else if (!r_first) begin
        rd_valid_o = 1'b1;
        rd_data_o = rd_comb;
      end
      if (rd_valid_o && out_left_q == 12'd1) begin
        rd_last_o = 1'b1;
        rd_err_o = r_err;
      end
    end
  end

  always_comb begin
    rd_active_d = rd_active_q;
    ar_addr_d = ar_addr_q;
    ar_left_d = ar_left_q;
    r_left_d = r_left_q;
    out_left_d = out_left_q;
    rd_off_d = rd_off_q;
    rd_out_d = rd_out_q;
    rd_err_d = rd_err_q;
    rd_prev_d = rd_prev_q;
    rd_flush_d = rd_flush_q;
    ar_total_d = ar_total_q;
    if (rd_req_valid_i && rd_req_ready_o) begin
      rd_active_d = 1'b1;
      ar_addr_d = {rd_req_addr_i[63:4], 4'd0};
      ar_left_d = rd_span;
      r_left_d = rd_span;
      out_left_d = 12'((({1'b0, rd_req_len_i}) + 17'd15) >> 4);
      rd_off_d = rd_req_addr_i[3:0];
      rd_err_d = 1'b0;
      rd_flush_d = 1'b0;
      ar_total_d = rd_span;
    end
    if (ar_fire) begin
      ar_addr_d = ar_addr_q + {55'd0, ar_beats, 4'd0};
      ar_left_d = ar_left_q - {7'd0, ar_beats};
    end
    if (rd_flush_q) begin
      rd_flush_d = 1'b0;
      rd_active_d = 1'b0;
    end else if (r_fire && rd_active_q) begin
      rd_err_d = r_err;
      rd_prev_d = r_cur;
      r_left_d = r_left_q - 12'd1;
      if (rd_valid_o) out_left_d = out_left_q - 12'd1;
      if (r_left_q == 12'd1) begin
        // Last aligned beat: done, or one more output from it alone.
        if (rd_last_o) begin
          rd_active_d = 1'b0;
        end else begin
          rd_flush_d = 1'b1;
        end
      end
    end
    if (ar_fire && !(r_fire && m_rlast_i)) begin
      rd_out_d = rd_out_q + OutW'(1);
    end else if (!ar_fire && r_fire && m_rlast_i) begin
      rd_out_d = rd_out_q - OutW'(1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_active_q <= 1'b0;
      ar_addr_q <= 64'd0;
      ar_left_q <= 12'd0;
      r_left_q <= 12'd0;
      out_left_q <= 12'd0;
      rd_off_q <= 4'd0;
      rd_out_q <= '0;
      rd_err_q <= 1'b0;
      rd_prev_q <= 128'd0;
      rd_flush_q <= 1'b0;
      ar_total_q <= 12'd0;
    end else begin
      rd_active_q <= rd_active_d;
      ar_addr_q <= ar_addr_d;
      ar_left_q <= ar_left_d;
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
  typedef enum logic [1:0] {
    StWrIdle,
    StWrAw,
    StWrW,
    StWrB
  } wr_state_e;
  wr_state_e   wr_state_q, wr_state_d;
  logic [63:0] aw_addr_q, aw_addr_d;
  logic [11:0] aw_left_q, aw_left_d;      // aligned beats not yet in an AW
  logic [4:0]  w_left_q, w_left_d;        // beats left in the current burst
  logic [11:0] w_idx_q, w_idx_d;          // aligned beat index of the request
  logic [11:0] in_beats_q, in_beats_d;    // input beats of the request
  logic [3:0]  wr_off_q, wr_off_d;
  logic [16:0] wr_end_q, wr_end_d;        // off + len: first byte index (aligned) past the data
  logic [7:0]  b_out_q, b_out_d;          // bursts waiting for B
  logic        wr_err_q, wr_err_d;
  logic [127:0] wr_prev_q, wr_prev_d;     // previous input beat

  logic [4:0]  aw_beats;
  logic        need_in;                   // this aligned beat consumes an input beat
  logic [127:0] w_cur, w_data;
  logic [15:0] w_strb;

  assign aw_beats = burst_beats(aw_addr_q[7:4], aw_left_q);
  assign m_awvalid_o = wr_state_q == StWrAw;
  assign m_awaddr_o = aw_addr_q;
  assign m_awlen_o = {3'd0, aw_beats - 5'd1};
  assign m_bready_o = 1'b1;
  assign wr_req_ready_o = wr_state_q == StWrIdle;
  assign wr_busy_o = wr_state_q != StWrIdle;
  assign need_in = w_idx_q < in_beats_q;
  assign w_cur = need_in ? wr_data_i : 128'd0;

  // Aligned beat j: bytes 0..off-1 from the end of input beat j-1, bytes off..15 from the start
  // of input beat j.
  always_comb begin
    w_data = w_cur >> (8 * wr_off_q);
    if (wr_off_q != 4'd0) w_data = w_data | (wr_prev_q << (8 * (5'd16 - {1'b0, wr_off_q})));
    for (int b = 0; b < 16; b++) begin
      logic [16:0] pos;
      pos = {w_idx_q, 4'd0} + 17'(b);
      w_strb[b] = pos >= {13'd0, wr_off_q} && pos < wr_end_q;
    end
  end

  // Done once every burst's B is in (from the state and the B channel only).
  assign wr_done_o = wr_state_q == StWrB && b_out_q == {7'd0, m_bvalid_i};
  assign wr_err_o = wr_err_q || (m_bvalid_i && m_bresp_i != 2'b00);

  assign m_wvalid_o = wr_state_q == StWrW && (!need_in || wr_data_valid_i);
  assign m_wdata_o = swap16(w_data);
  assign m_wstrb_o = w_strb;
  assign m_wlast_o = w_left_q == 5'd1;
  assign wr_data_ready_o = wr_state_q == StWrW && need_in && m_wready_i;

  always_comb begin
    wr_state_d = wr_state_q;
    aw_addr_d = aw_addr_q;
    aw_left_d = aw_left_q;
    w_left_d = w_left_q;
    w_idx_d = w_idx_q;
    in_beats_d = in_beats_q;
    wr_off_d = wr_off_q;
    wr_end_d = wr_end_q;
    b_out_d = b_out_q;
    wr_err_d = wr_err_q;
    wr_prev_d = wr_prev_q;
    if (m_bvalid_i) begin
      b_out_d = b_out_d - 8'd1;
      if (m_bresp_i != 2'b00) wr_err_d = 1'b1;
    end
    unique case (wr_state_q)
      StWrIdle: begin
        if (wr_req_valid_i) begin
          aw_addr_d = {wr_req_addr_i[63:4], 4'd0};
          aw_left_d = 12'(({13'd0, wr_req_addr_i[3:0]} + {1'b0, wr_req_len_i} + 17'd15) >> 4);
          w_idx_d = 12'd0;
          in_beats_d = 12'((({1'b0, wr_req_len_i}) + 17'd15) >> 4);
          wr_off_d = wr_req_addr_i[3:0];
          wr_end_d = {13'd0, wr_req_addr_i[3:0]} + {1'b0, wr_req_len_i};
          wr_err_d = 1'b0;
          wr_prev_d = 128'd0;
          wr_state_d = StWrAw;
        end
      end
      StWrAw: begin
        if (m_awready_i) begin
          aw_addr_d = aw_addr_q + {55'd0, aw_beats, 4'd0};
          aw_left_d = aw_left_q - {7'd0, aw_beats};
          w_left_d = aw_beats;
          b_out_d = b_out_d + 8'd1;
          wr_state_d = StWrW;
        end
      end
      StWrW: begin
        if (m_wvalid_o && m_wready_i) begin
          if (need_in) wr_prev_d = wr_data_i;
          w_idx_d = w_idx_q + 12'd1;
          w_left_d = w_left_q - 5'd1;
          if (w_left_q == 5'd1) wr_state_d = (aw_left_q == 12'd0) ? StWrB : StWrAw;
        end
      end
      StWrB: if (wr_done_o) wr_state_d = StWrIdle;
      default: wr_state_d = StWrIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_state_q <= StWrIdle;
      aw_addr_q <= 64'd0;
      aw_left_q <= 12'd0;
      w_left_q <= 5'd0;
      w_idx_q <= 12'd0;
      in_beats_q <= 12'd0;
      wr_off_q <= 4'd0;
      wr_end_q <= 17'd0;
      b_out_q <= 8'd0;
      wr_err_q <= 1'b0;
      wr_prev_q <= 128'd0;
    end else begin
      wr_state_q <= wr_state_d;
      aw_addr_q <= aw_addr_d;
      aw_left_q <= aw_left_d;
      w_left_q <= w_left_d;
      w_idx_q <= w_idx_d;
      in_beats_q <= in_beats_d;
      wr_off_q <= wr_off_d;
      wr_end_q <= wr_end_d;
      b_out_q <= b_out_d;
      wr_err_q <= wr_err_d;
      wr_prev_q <= wr_prev_d;
    end
  end

  `ASSERT_INIT(RdOutstandingLegal_A, RdOutstanding >= 1 && RdOutstanding <= 64)
  `ASSERT(NoRUnexpected_A, m_rvalid_i |-> rd_active_q)
  `ASSERT(RdReqNonEmpty_A, rd_req_valid_i && rd_req_ready_o |-> rd_req_len_i != 16'd0)
  `ASSERT(WrReqNonEmpty_A, wr_req_valid_i && wr_req_ready_o |-> wr_req_len_i != 16'd0)

endmodule
