// esp_fetch: the packet engine's fetcher and feeder (part of esp_engine; doc:
// rtl/doc/esp_engine.md). It keeps the DMA read side busy so that a long host read latency is
// hidden: up to NRec descriptors and packets are in flight or waiting for the front.
//
//   descriptor reads: one 32-byte read request per descriptor, for the queue dma_queues
//     offers (it counts them as requested, f_req_o), as long as a record is free for the
//     answer; several are in flight at once, in request order.
//   records: a ring of NRec slot records in fetch order, one per descriptor that came back
//     for a queue that still takes it (f_take_i: same epoch, not stopped, no earlier
//     descriptor read error). A record holds the descriptor, its checks (BAD_DESCRIPTOR, then
//     MALFORMED for oversize; Execute in hw/model/device_model.cc), queue, epoch and, once
//     its packet has come, the pre-status (DMA_ERROR on a bus error) and the packet's first
//     HdrBeats beats (header RAM, for the front's classifier). A failed descriptor read of a
//     live queue stops the queue at once (f_stop_o) and becomes a PreFetchErr record; the
//     descriptors already requested behind it are discarded without effect.
//   packet reads: in record order, each into a circular packet buffer (PbufBytes in DataW-bit
//     words, a packet's words contiguous with wrap-around), reserved when requested and released
//     as the feeder sends them (or when the front hands the record on without a job), in buffer
//     order.
//
// The front takes the records in fetch order (s_*_o from the record at the ring's head,
// hand_i); the feeder sends a job's input beats from the front's record to the lane
// (feed_start_i), 128 bits a clock from the DataW-bit words of the buffer. Responses of the DMA
// master come in request order (DataW-bit beats, BB = DataW / 8 bytes: a descriptor in
// ceil(32 / BB) beats, a packet of len bytes in ceil(len / BB)); a small tag FIFO says for each
// request in flight whether it is a descriptor (queue, epoch) or a packet (record).
//
// Byte order: every bus has byte 0 in its top bits ([DataW-1 -: 8] on rd_data_i, [127:120] on
// in_data_o, [255:248] in a descriptor). The packet buffer holds the packet as read
// (EXPLICIT_IV bytes included).
module esp_fetch
  import ipsec_reg_pkg::*;
  import esp_lane_pkg::*;
  import esp_engine_pkg::*;
#(
  parameter int unsigned Slots = 1024,
  parameter int unsigned HdrBeats = 6,
  parameter int unsigned NRec = 128,        // records (power of two)
  parameter int unsigned DataW = 128,       // host bus (dma_master's): 128, 256, 512 or 1024
  parameter int unsigned PbufBytes = 32768, // packet buffer (power of two, >= 2 x 577 x 16)
  localparam int unsigned HdrW = 8 * 16 * HdrBeats
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              enable_i,
  // Queues.
  input  logic              pick_valid_i,
  input  logic [2:0]        pick_q_i,
  input  logic [63:0]       pick_desc_addr_i,
  input  logic [3:0]        pick_epoch_i,
  output logic              f_req_o,          // the picked descriptor is requested
  output logic [2:0]        f_q_o,            // queue and epoch of the descriptor coming in
  output logic [3:0]        f_epoch_o,
  input  logic              f_take_i,         // its queue still takes it
  output logic              fetch_ok_o,       // descriptor read (SQ_HEAD + 1)
  output logic              f_stop_o,         // descriptor read failed
  // DMA master, read side.
  output logic              rd_req_valid_o,
  input  logic              rd_req_ready_i,
  output logic [63:0]       rd_req_addr_o,
  output logic [15:0]       rd_req_len_o,
  input  logic              rd_valid_i,
  input  logic [DataW-1:0]  rd_data_i,
  input  logic              rd_last_i,
  input  logic              rd_err_i,
  // The front's record (the oldest one).
  output logic              s_valid_o,
  output pre_e              s_pre_o,
  output logic [3:0]        s_pre_st_o,
  output logic [255:0]      s_desc_o,
  output logic [HdrW-1:0]   s_hdr_o,
  output logic [2:0]        s_q_o,
  output logic [3:0]        s_epoch_o,
  input  logic              hand_i,           // the front is done with its record
  // Feeder: the front's record's first feed_len_i bytes to the lane.
  input  logic              feed_start_i,
  input  logic [LenW-1:0]   feed_len_i,
  output logic              feed_busy_o,
  output logic              in_valid_o,
  input  logic              in_ready_i,
  output logic [127:0]      in_data_o,
  output logic [15:0]       in_keep_o,
  output logic              in_last_o,
  // Status.
  output logic              idle_o,
  output logic              busy_o
);
  `include "prim_assert.svh"

  localparam int unsigned BB = DataW / 8;            // bytes a word (bus beat)
  localparam int unsigned OffW = $clog2(BB);
  localparam int unsigned R = BB / 16;                // 128-bit lane beats a word
  localparam int unsigned SubW = R > 1 ? $clog2(R) : 1;
  localparam int unsigned PbufWords = PbufBytes / BB;
  localparam int unsigned DescBeats = BB >= 32 ? 1 : 2;
  localparam int unsigned RW = $clog2(NRec);
  localparam int unsigned BW = $clog2(PbufWords);
  localparam int unsigned NTag = NRec;      // read requests in flight (descriptors + packets)
  localparam int unsigned TW = $clog2(NTag);

  // ---------------------------------------------------------------------------- storage
  // Plain arrays, each with one write and one read port.
  logic [DataW-1:0] pbuf_q [PbufWords];     // packet buffer (write: DMA; read: feeder)
  logic [127:0]    hdr_q  [HdrBeats][NRec];  // header bytes 16k.. of each record (read: front)
  logic [255:0]    desc_q [NRec];            // descriptors (read: front)
  logic [63:0]     raddr_q [NRec];           // packet address, length, checks (read: requester)
  logic [15:0]     rlen_q [NRec];
  logic [3:0]      rdst_q [NRec];
  // Record flags and fields (flops).
  logic [NRec-1:0] filled_q;                 // complete: the front may take it
  pre_e            pre_q [NRec];
  logic [3:0]      pre_st_q [NRec];
  logic [2:0]      rq_q [NRec];
  logic [3:0]      rep_q [NRec];
  logic [BW-1:0]   bstart_q [NRec];          // first word in the packet buffer
  logic [BW:0]     span_q [NRec];            // words reserved in it
  // Ring pointers (one extra bit): head (front) <= chk (next packet request) <= alloc.
  logic [RW:0]     h_ptr_q, c_ptr_q, a_ptr_q;
  logic [RW:0]     nrec;
  logic [RW:0]     d_out_q;                  // descriptor reads in flight
  // Tag FIFO of the read requests in flight.
  logic            tpkt_q [NTag];
  logic [RW-1:0]   trec_q [NTag];
  logic [2:0]      tq_q [NTag];
  logic [3:0]      tep_q [NTag];
  logic [TW:0]     t_wr_q, t_rd_q;
  // Packet buffer: reservation (request order) and write pointers, words in use.
  logic [BW-1:0]   bres_q, bwr_q;
  logic [BW:0]     used_q;
  logic [9:0]      beat_q;                   // beat of the response coming in

  logic [RW-1:0] h, c, a;
  assign h = h_ptr_q[RW-1:0];
  assign c = c_ptr_q[RW-1:0];
  assign a = a_ptr_q[RW-1:0];
  assign nrec = a_ptr_q - h_ptr_q;

  assign s_valid_o = h_ptr_q != a_ptr_q && filled_q[h];
  assign s_pre_o = pre_q[h];
  assign s_pre_st_o = pre_st_q[h];
  assign s_desc_o = desc_q[h];
  for (genvar k = 0; k < HdrBeats; k++) begin : gen_hdr_rd
    assign s_hdr_o[HdrW-1 - 128 * k -: 128] = hdr_q[k][h];
  end
  logic [BW:0] h_span;
  assign h_span = span_q[h];
  assign s_q_o = rq_q[h];
  assign s_epoch_o = rep_q[h];

  // ---------------------------------------------------------------------------- feeder
  // It reads the word at feed_ptr_q and sends its R 128-bit beats (feed_sub_q), top bits first;
  // a word is released once its last fed beat is sent.
  logic [BW-1:0] feed_ptr_q;
  logic [SubW-1:0] feed_sub_q;
  logic [9:0]    feed_left_q;  // 128-bit beats left
  logic [15:0]   feed_rem_q;   // bytes left to feed
  logic [BW:0]   feed_extra_q; // words of the record past the fed ones (released at the end)
  logic          fed_q;        // the front's record was fed (the feeder releases its words)
  logic          feed_beat, feed_last, feed_word;
  logic [9:0]    feed_beats;
  logic [BW:0]   feed_words;
  logic [DataW-1:0] feed_rd;
  assign feed_beats = 10'((({2'd0, feed_len_i}) + 16'd15) >> 4);
  assign feed_words = (BW + 1)'((({2'd0, feed_len_i}) + 16'(BB - 1)) >> OffW);
  assign feed_rd = pbuf_q[feed_ptr_q];
  assign in_valid_o = feed_left_q != 10'd0;
  if (R > 1) begin : gen_sub
    assign in_data_o = feed_rd[DataW-1 - 128 * feed_sub_q -: 128];
  end else begin : gen_nosub
    assign in_data_o = feed_rd;
  end
  assign in_last_o = feed_left_q == 10'd1;
  assign in_keep_o = (feed_rem_q >= 16'd16) ? 16'hffff : ~(16'hffff >> feed_rem_q[3:0]);
  assign feed_beat = in_valid_o && in_ready_i;
  assign feed_last = feed_beat && feed_left_q == 10'd1;
  assign feed_word = feed_beat && (feed_sub_q == SubW'(R - 1) || feed_left_q == 10'd1);
  assign feed_busy_o = feed_left_q != 10'd0;

  // -------------------------------------------------------------------------- fetcher
  // Descriptor checks (Execute in device_model.cc): BAD_DESCRIPTOR, then MALFORMED for size.
  function automatic logic [3:0] desc_status(logic [255:0] d, int unsigned slots);
    logic [7:0]  op, fl;
    logic [15:0] sa, in_len, iv;
    logic        enc;
    op = desc_byte(d, 0);
    fl = desc_byte(d, 1);
    sa = {desc_byte(d, 3), desc_byte(d, 2)};
    in_len = {desc_byte(d, 25), desc_byte(d, 24)};
    iv = fl[SQ_DESC_FLAGS_EXPLICIT_IV_BIT] ? 16'd8 : 16'd0;
    enc = op == OpcodeEncap;
    if ((!enc && op != OpcodeDecap) || (fl & ~8'h03) != 8'd0 ||
        {desc_byte(d, 31), desc_byte(d, 30), desc_byte(d, 29), desc_byte(d, 28)} != 32'd0 ||
        in_len <= iv || (fl[SQ_DESC_FLAGS_EXPLICIT_IV_BIT] && !enc) ||
        (enc && 32'(sa) >= slots)) begin
      return StatusBadDescriptor;
    end
    if (in_len - iv > 16'(MAX_PACKET)) return StatusMalformed;
    return StatusOk;
  endfunction

  // The response beat coming in.
  logic          t_pkt;
  logic [RW-1:0] t_rec;
  logic          d_beat, d_last, p_beat, p_last;
  logic [255:0]  d_full;
  if (DescBeats == 2) begin : gen_d2
    logic [127:0] d0_q;  // a descriptor's first beat
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) d0_q <= 128'd0;
      else if (d_beat && !rd_last_i) d0_q <= rd_data_i[DataW-1 -: 128];
    end
    assign d_full = {d0_q, rd_data_i[DataW-1 -: 128]};
  end else begin : gen_d1
    assign d_full = rd_data_i[DataW-1 -: 256];
  end
  assign t_pkt = tpkt_q[t_rd_q[TW-1:0]];
  assign t_rec = trec_q[t_rd_q[TW-1:0]];
  assign f_q_o = tq_q[t_rd_q[TW-1:0]];
  assign f_epoch_o = tep_q[t_rd_q[TW-1:0]];
  assign d_beat = rd_valid_i && !t_pkt;
  assign d_last = d_beat && rd_last_i;
  assign p_beat = rd_valid_i && t_pkt;
  assign p_last = p_beat && rd_last_i;
  // A descriptor that came back: a record for it when its queue takes it.
  logic d_alloc;
  assign d_alloc = d_last && f_take_i;
  assign fetch_ok_o = d_alloc && !rd_err_i;
  assign f_stop_o = d_alloc && rd_err_i;

  // The record at chk: skip (fetch error), complete with its pre-status, or request its packet.
  logic          c_any, c_skip, c_pre, c_pkt, c_room, t_room;
  logic [BW:0]   c_span;
  assign c_any = c_ptr_q != a_ptr_q;
  assign c_skip = c_any && filled_q[c];  // only a PreFetchErr record is complete already
  assign c_pre = c_any && !filled_q[c] && rdst_q[c] != StatusOk;
  assign c_span = (BW + 1)'((({1'b0, rlen_q[c]}) + 17'(BB - 1)) >> OffW);
  assign c_room = {1'b0, used_q} + {1'b0, c_span} <= (BW + 2)'(PbufWords);
  assign t_room = (t_wr_q - t_rd_q) != (TW + 1)'(NTag);
  assign c_pkt = c_any && !filled_q[c] && rdst_q[c] == StatusOk && c_room && t_room;

  // Read requests: the packet of the record at chk first, else the next descriptor.
  logic pk_req, ds_req;
  always_comb begin
    rd_req_valid_o = 1'b0;
    rd_req_addr_o = pick_desc_addr_i;
    rd_req_len_o = 16'd32;
    f_req_o = 1'b0;
    pk_req = 1'b0;
    ds_req = 1'b0;
    if (c_pkt) begin
      rd_req_valid_o = 1'b1;
      rd_req_addr_o = raddr_q[c];
      rd_req_len_o = rlen_q[c];
      pk_req = rd_req_ready_i;
    end else if (pick_valid_i && enable_i && t_room &&
                 {1'b0, d_out_q} + {1'b0, nrec} < (RW + 2)'(NRec)) begin
      rd_req_valid_o = 1'b1;
      ds_req = rd_req_ready_i;
      f_req_o = ds_req;
    end
  end

  // Words in use: + a packet's span when requested, - each fed word, - the rest of a fed
  // record's span after its last fed beat, - a record's span when handed on without a feed.
  // Words are freed in buffer order (the next packet's words follow the last one's, with
  // wrap-around): a record handed on without a feed while the feeder still sends an earlier
  // record's words gives its span back with that feed's last beat (h_defer), not before. The
  // front may start a record's feed and hand it on in the same clock (fed_now).
  logic [BW:0] used_d;
  logic        h_defer, fed_now;
  assign fed_now = fed_q || (feed_start_i && feed_beats != 10'd0);
  assign h_defer = hand_i && !fed_now && feed_busy_o && !feed_last;
  always_comb begin
    used_d = used_q;
    if (pk_req) used_d = used_d + c_span;
    if (feed_word) used_d = used_d - (BW + 1)'(1);
    if (feed_last) used_d = used_d - feed_extra_q;
    if (hand_i && !fed_now && !h_defer) used_d = used_d - h_span;
  end

  assign idle_o = t_wr_q == t_rd_q && h_ptr_q == a_ptr_q && feed_left_q == 10'd0;
  assign busy_o = t_wr_q != t_rd_q || c_any;

  // Memories.
  always_ff @(posedge clk_i) begin
    if (p_beat) pbuf_q[bwr_q] <= rd_data_i;
    if (d_last) begin
      desc_q[a] <= d_full;
      raddr_q[a] <= {desc_byte(d_full, 15), desc_byte(d_full, 14), desc_byte(d_full, 13),
                     desc_byte(d_full, 12), desc_byte(d_full, 11), desc_byte(d_full, 10),
                     desc_byte(d_full, 9), desc_byte(d_full, 8)};
      rlen_q[a] <= {desc_byte(d_full, 25), desc_byte(d_full, 24)};
      rdst_q[a] <= desc_status(d_full, Slots);
    end
  end
  always_ff @(posedge clk_i) begin
    for (int k = 0; k < int'(HdrBeats); k++) begin
      if (p_beat && beat_q == 10'(k / int'(R))) begin
        hdr_q[k][t_rec] <= rd_data_i[DataW-1 - 128 * (k % int'(R)) -: 128];
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if ((pk_req || ds_req)) begin
      tpkt_q[t_wr_q[TW-1:0]] <= pk_req;
      trec_q[t_wr_q[TW-1:0]] <= c;
      tq_q[t_wr_q[TW-1:0]] <= pick_q_i;
      tep_q[t_wr_q[TW-1:0]] <= pick_epoch_i;
    end
  end

  // Per-record fields (memories, no reset: read only for records in use, in the order of the
  // writes below).
  always_ff @(posedge clk_i) begin
    if (pk_req) begin
      bstart_q[c] <= bres_q;
      span_q[c] <= c_span;
    end
    if (c_pre) begin
      pre_q[c] <= PreStatus;
      pre_st_q[c] <= rdst_q[c];
    end
    if (d_alloc) begin
      rq_q[a] <= f_q_o;
      rep_q[a] <= f_epoch_o;
      pre_st_q[a] <= StatusOk;
      span_q[a] <= '0;  // no beats until its packet is requested
      // A failed descriptor read: QUEUE_ERROR in order (no packet, no checks).
      pre_q[a] <= rd_err_i ? PreFetchErr : PreOk;
    end
    if (p_last) begin
      pre_q[t_rec] <= rd_err_i ? PreStatus : PreOk;
      pre_st_q[t_rec] <= rd_err_i ? StatusDmaError : StatusOk;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      filled_q <= '0;
      h_ptr_q <= '0;
      c_ptr_q <= '0;
      a_ptr_q <= '0;
      d_out_q <= '0;
      t_wr_q <= '0;
      t_rd_q <= '0;
      bres_q <= '0;
      bwr_q <= '0;
      used_q <= '0;
      beat_q <= 10'd0;
      feed_ptr_q <= '0;
      feed_sub_q <= '0;
      feed_left_q <= 10'd0;
      feed_rem_q <= 16'd0;
      feed_extra_q <= '0;
      fed_q <= 1'b0;
    end else begin
      used_q <= used_d;
      // Requests.
      if (pk_req || ds_req) t_wr_q <= t_wr_q + (TW + 1)'(1);
      if (ds_req && !d_last) d_out_q <= d_out_q + (RW + 1)'(1);
      if (!ds_req && d_last) d_out_q <= d_out_q - (RW + 1)'(1);
      if (pk_req) bres_q <= bres_q + c_span[BW-1:0];
      // The record at chk is done with: packet requested, pre-status, or a fetch error.
      if (pk_req || c_pre || c_skip) c_ptr_q <= c_ptr_q + (RW + 1)'(1);
      if (c_pre) filled_q[c] <= 1'b1;
      // Responses.
      if (rd_valid_i) begin
        beat_q <= rd_last_i ? 10'd0 : beat_q + 10'd1;
        if (rd_last_i) t_rd_q <= t_rd_q + (TW + 1)'(1);
      end
      if (d_alloc) begin
        a_ptr_q <= a_ptr_q + (RW + 1)'(1);
        filled_q[a] <= rd_err_i;  // a failed descriptor read: complete (PreFetchErr)
      end
      if (p_beat) bwr_q <= bwr_q + BW'(1);
      if (p_last) filled_q[t_rec] <= 1'b1;
      // The front: hand-over frees the record (its beats are released by the feeder, or now).
      if (hand_i) begin
        filled_q[h] <= 1'b0;
        h_ptr_q <= h_ptr_q + (RW + 1)'(1);
        fed_q <= 1'b0;
      end
      // Feeder.
      if (feed_start_i) begin
        // Else the hand-over releases the span; a record handed on now is no longer the front's.
        fed_q <= feed_beats != 10'd0 && !hand_i;
        feed_ptr_q <= bstart_q[h];
        feed_sub_q <= '0;
        feed_left_q <= feed_beats;
        feed_rem_q <= {2'd0, feed_len_i};
        feed_extra_q <= h_span - feed_words;
      end else if (feed_beat) begin
        if (feed_word) begin
          feed_ptr_q <= feed_ptr_q + BW'(1);
          feed_sub_q <= '0;
        end else begin
          feed_sub_q <= feed_sub_q + SubW'(1);
        end
        feed_left_q <= feed_left_q - 10'd1;
        feed_rem_q <= feed_rem_q - 16'd16;
      end
      // Never with feed_start_i (the feeder is busy).
      if (h_defer) feed_extra_q <= feed_extra_q + h_span;
    end
  end

  `ASSERT_INIT(SizesLegal_A, (NRec & (NRec - 1)) == 0 && (PbufWords & (PbufWords - 1)) == 0 &&
               PbufBytes >= 2 * 577 * 16 &&
               (DataW == 128 || DataW == 256 || DataW == 512 || DataW == 1024))
  `ASSERT(HandOnlyFilled_A, hand_i |-> s_valid_o)
  `ASSERT(FeedOnlyWhenFree_A, feed_start_i |-> feed_left_q == 10'd0 && s_valid_o && !fed_q)
  `ASSERT(FeedWithinSpan_A, feed_start_i |-> feed_words <= h_span)
  `ASSERT(RecordFree_A, d_last |-> nrec != (RW + 1)'(NRec))
  `ASSERT(DescBeats_A, d_last |-> beat_q == 10'(DescBeats - 1))
  `ASSERT(BufferInUse_A, used_q <= (BW + 1)'(PbufWords))

endmodule
