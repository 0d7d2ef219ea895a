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
//     HdrBeats beats (for the front's classifier, in a ring of NHdr header slots taken in
//     record order when the packet is requested and given back when the record is handed
//     on: only records with a packet read in flight or in hand hold one). A failed
//     descriptor read of a live queue stops the queue at once (f_stop_o) and becomes a
//     PreFetchErr record; the descriptors already requested behind it are discarded without
//     effect.
//   packet reads: in record order, each into a circular packet buffer (PbufBytes in DataW-bit
//     words, a packet's words contiguous with wrap-around), reserved when requested and given
//     back in buffer order: a record's words once its feed has sent them (or when the front
//     hands it on without a job) and every earlier record's words are free (release FIFO).
//
// The front takes the records in fetch order (s_*_o from the record at the ring's head,
// hand_i) and starts a job's feed on a lane (feed_start_i, feed_lane_i) while that lane's
// feeder is free (feed_busy_o[lane] = 0): one feeder per lane sends the front's record's
// input beats to its lane, 128 bits a clock from the DataW-bit words of the buffer; up to
// Lanes feeds run at once (the feeders share the buffer's read port, each with a FIFO of two
// words). Responses of the DMA master come in request order (DataW-bit beats, BB = DataW / 8
// bytes: a descriptor in ceil(32 / BB) beats, a packet of len bytes in ceil(len / BB)); a
// small tag FIFO says for each request in flight whether it is a descriptor (queue, epoch) or
// a packet (record).
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
  parameter int unsigned NHdr = NRec,       // header slots (power of two, <= NRec)
  parameter int unsigned DataW = 128,       // host bus (dma_master's): 128, 256, 512 or 1024
  parameter int unsigned PbufBytes = 32768, // packet buffer (words of DataW, >= 2 x 577 x 16)
  parameter int unsigned Lanes = 1,         // feeders (one per lane)
  localparam int unsigned HdrW = 8 * 16 * HdrBeats,
  localparam int unsigned LaneW = Lanes > 1 ? $clog2(Lanes) : 1
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
  // Feeders: the front's record's first feed_len_i bytes to lane feed_lane_i.
  input  logic              feed_start_i,
  input  logic [LaneW-1:0]  feed_lane_i,
  input  logic [LenW-1:0]   feed_len_i,
  output logic [Lanes-1:0]  feed_busy_o,      // no feed may start on the lane
  output logic [Lanes-1:0]  in_valid_o,       // per lane
  input  logic [Lanes-1:0]  in_ready_i,
  output logic [Lanes-1:0][127:0] in_data_o,
  output logic [Lanes-1:0][15:0]  in_keep_o,
  output logic [Lanes-1:0]  in_last_o,
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
  localparam int unsigned RelN = Lanes > 1 ? 32 : 2;  // release FIFO entries (fed records)
  localparam int unsigned EW = $clog2(RelN);
  localparam int unsigned NTag = NRec;      // read requests in flight (descriptors + packets)
  localparam int unsigned TW = $clog2(NTag);
  localparam int unsigned HW = $clog2(NHdr);

  // ---------------------------------------------------------------------------- storage
  // Plain arrays, each with one write and one read port.
  logic [DataW-1:0] pbuf_q [PbufWords];     // packet buffer (write: DMA; read: feeder)
  logic [127:0]    hdr_q  [HdrBeats][NHdr];  // header bytes 16k.. of each slot (read: front)
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
  // Header slot ring (one extra bit): head (the front's record, if it has a packet) <= arrival
  // (the packet coming in: packets come in request order) <= alloc (packet requests).
  logic [HW:0]     hh_ptr_q, hi_ptr_q, ha_ptr_q;
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

  // A word index n words after p in the circular packet buffer (n <= PbufWords; with a power
  // of two words simply p + n).
  function automatic logic [BW-1:0] pb_add(logic [BW-1:0] p, logic [BW:0] n);
    logic [BW+1:0] s;
    s = {2'b0, p} + {1'b0, n};
    if (s >= (BW + 2)'(PbufWords)) s = s - (BW + 2)'(PbufWords);
    return s[BW-1:0];
  endfunction

  logic [RW-1:0] h, c, a;
  assign h = h_ptr_q[RW-1:0];
  assign c = c_ptr_q[RW-1:0];
  assign a = a_ptr_q[RW-1:0];
  assign nrec = a_ptr_q - h_ptr_q;

  assign s_valid_o = h_ptr_q != a_ptr_q && filled_q[h];
  assign s_pre_o = pre_q[h];
  assign s_pre_st_o = pre_st_q[h];
  assign s_desc_o = desc_q[h];
  logic [HW-1:0] hh, hi;
  assign hh = hh_ptr_q[HW-1:0];
  assign hi = hi_ptr_q[HW-1:0];
  for (genvar k = 0; k < HdrBeats; k++) begin : gen_hdr_rd
    assign s_hdr_o[HdrW-1 - 128 * k -: 128] = hdr_q[k][hh];
  end
  logic [BW:0] h_span;
  assign h_span = span_q[h];  // 0 unless its packet was requested (in_len >= 1 when it was)
  assign s_q_o = rq_q[h];
  assign s_epoch_o = rep_q[h];

  // ---------------------------------------------------------------------------- feeders
  // Feeder l holds up to two words of its feed (fw_q[l][0] the older, fcnt_q[l]) and sends
  // their R 128-bit beats (fsub_q[l]), top bits first, one a clock when in_ready_i[l]. The
  // feeders share the packet buffer's one read port: a feed's first word is read in its start
  // clock (before any other read), the next ones (fptr_q[l], ffl_q[l] left) while the feeder
  // holds fewer than two words, round robin (at DataW >= Lanes x 128 one read a clock is
  // enough). Two words keep a lane fed every clock without the read depending on in_ready_i.
  logic [BW-1:0]    fptr_q [Lanes];   // next word to read
  logic [9:0]       ffl_q [Lanes];    // words left to read
  logic [DataW-1:0] fw_q [Lanes][2];
  logic [1:0]       fcnt_q [Lanes];
  logic [SubW-1:0]  fsub_q [Lanes];
  logic [9:0]       fleft_q [Lanes];  // 128-bit beats left
  logic [15:0]      frem_q [Lanes];   // bytes left to feed
  logic [EW-1:0]    fent_q [Lanes];   // its record's release entry
  logic [Lanes-1:0] fbeat, flast, fword, fstart, rreq, rgnt;
  logic [LaneW-1:0] rr_q;             // round robin: the feeder considered first
  logic [BW-1:0]    raddr;
  logic [DataW-1:0] rdata;
  logic             fed_q;            // the front's record was fed (its span has an entry)
  logic             rel_full;
  logic [9:0]       feed_beats;
  logic [BW:0]      feed_words;
  assign feed_beats = 10'((({2'd0, feed_len_i}) + 16'd15) >> 4);
  assign feed_words = (BW + 1)'((({2'd0, feed_len_i}) + 16'(BB - 1)) >> OffW);
  for (genvar l = 0; l < Lanes; l++) begin : gen_feed
    logic [DataW-1:0] w;
    assign w = fw_q[l][0];
    if (R > 1) begin : gen_sub
      assign in_data_o[l] = w[DataW-1 - 128 * fsub_q[l] -: 128];
    end else begin : gen_nosub
      assign in_data_o[l] = w;
    end
    assign in_valid_o[l] = fleft_q[l] != 10'd0 && fcnt_q[l] != 2'd0;
    assign in_last_o[l] = fleft_q[l] == 10'd1;
    assign in_keep_o[l] = (frem_q[l] >= 16'd16) ? 16'hffff : ~(16'hffff >> frem_q[l][3:0]);
    assign fbeat[l] = in_valid_o[l] && in_ready_i[l];
    assign flast[l] = fbeat[l] && fleft_q[l] == 10'd1;
    assign fword[l] = fbeat[l] && (fsub_q[l] == SubW'(R - 1) || fleft_q[l] == 10'd1);
    assign fstart[l] = feed_start_i && 32'(feed_lane_i) == l;
    assign feed_busy_o[l] = fleft_q[l] != 10'd0 || rel_full;
    assign rreq[l] = ffl_q[l] != 10'd0 && fcnt_q[l] != 2'd2;
    // A word for every beat left: in the FIFO or still to be read.
    logic [9:0] a_left, a_toread;
    logic [1:0] a_cnt;
    assign a_left = fleft_q[l];
    assign a_toread = ffl_q[l];
    assign a_cnt = fcnt_q[l];
    `ASSERT(FeederWords_A, a_left != 10'd0 |-> a_cnt != 2'd0 || a_toread != 10'd0)
  end
  // The read port: a starting feed's first word, else the next requesting feeder from rr_q.
  always_comb begin
    rgnt = fstart;
    raddr = bstart_q[h];
    if (!feed_start_i) begin
      for (int i = 0; i < int'(Lanes); i++) begin
        if (rgnt == '0 && rreq[(int'(rr_q) + i) % int'(Lanes)]) begin
          rgnt[(int'(rr_q) + i) % int'(Lanes)] = 1'b1;
          raddr = fptr_q[(int'(rr_q) + i) % int'(Lanes)];
        end
      end
    end
  end
  assign rdata = pbuf_q[raddr];

  // Buffer release, in buffer order (the order the front hands records on). The release FIFO
  // has an entry per fed record, in that order: its words (its span plus the spans of records
  // handed on without a feed behind it), its lane, whether its feed has ended. The oldest
  // entry gives its words back one by one as its feeder sends them and the rest once its feed
  // has ended (then the next entry is the oldest: one a clock); a record handed on without a
  // feed adds its span to the youngest entry, or gives it back at once if there is none (or
  // the youngest is the oldest and ends now). With one lane the FIFO holds at most the one
  // record being fed.
  logic [BW:0]      etot_q [RelN];
  logic [LaneW-1:0] elane_q [RelN];
  logic [RelN-1:0]  eend_q;
  logic [EW:0]      er_q, ew_q;
  logic [BW:0]      hrel_q;           // words the oldest entry gave back
  logic [BW:0]      h_tot;            // the oldest entry's words
  logic [EW-1:0]    eh, et, ew;
  logic [LaneW-1:0] hl;
  logic             e_any, h_on, h_word, e_pop, e_push, h_free, e_merge;
  assign eh = er_q[EW-1:0];
  assign ew = ew_q[EW-1:0];
  assign et = ew - EW'(1);
  assign e_any = er_q != ew_q;
  assign rel_full = (ew_q - er_q) == (EW + 1)'(RelN);
  assign hl = elane_q[eh];
  assign h_tot = etot_q[eh];
  assign h_on = e_any && fleft_q[hl] != 10'd0 && fent_q[hl] == eh;
  assign h_word = h_on && fword[hl];
  assign e_pop = e_any && (eend_q[eh] || (h_on && flast[hl]));
  assign e_push = feed_start_i && feed_beats != 10'd0;
  assign h_free = hand_i && !fed_q && !e_push;  // handed on without a feed
  assign e_merge = h_free && e_any && !(e_pop && ew_q - er_q == (EW + 1)'(1));

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
  logic          c_any, c_skip, c_pre, c_pkt, c_room, t_room, hs_room;
  logic [BW:0]   c_span;
  assign c_any = c_ptr_q != a_ptr_q;
  assign c_skip = c_any && filled_q[c];  // only a PreFetchErr record is complete already
  assign c_pre = c_any && !filled_q[c] && rdst_q[c] != StatusOk;
  assign c_span = (BW + 1)'((({1'b0, rlen_q[c]}) + 17'(BB - 1)) >> OffW);
  assign c_room = {1'b0, used_q} + {1'b0, c_span} <= (BW + 2)'(PbufWords);
  assign t_room = (t_wr_q - t_rd_q) != (TW + 1)'(NTag);
  assign hs_room = (ha_ptr_q - hh_ptr_q) != (HW + 1)'(NHdr);  // never 0 when NHdr = NRec
  assign c_pkt = c_any && !filled_q[c] && rdst_q[c] == StatusOk && c_room && t_room && hs_room;

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

  // Words in use: + a packet's span when requested, - the oldest release entry's words as
  // above, - a record's span when handed on without a feed and without an entry to join.
  // (Words are freed in buffer order because the next packet's words follow the last one's,
  // with wrap-around.) The front may start a record's feed and hand it on in the same clock.
  logic [BW:0] used_d;
  always_comb begin
    used_d = used_q;
    if (pk_req) used_d = used_d + c_span;
    if (e_pop) used_d = used_d - (h_tot - hrel_q);
    else if (h_word) used_d = used_d - (BW + 1)'(1);
    if (h_free && !e_merge) used_d = used_d - h_span;
  end

  logic feeding;
  always_comb begin
    feeding = 1'b0;
    for (int l = 0; l < int'(Lanes); l++) feeding |= fleft_q[l] != 10'd0;
  end
  assign idle_o = t_wr_q == t_rd_q && h_ptr_q == a_ptr_q && !feeding && !e_any;
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
        hdr_q[k][hi] <= rd_data_i[DataW-1 - 128 * (k % int'(R)) -: 128];
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

  // Feeders' words (no reset: read only when counted in fcnt_q).
  always_ff @(posedge clk_i) begin
    for (int l = 0; l < int'(Lanes); l++) begin
      if (fstart[l]) begin
        fw_q[l][0] <= rdata;
      end else begin
        if (fword[l]) fw_q[l][0] <= fw_q[l][1];
        if (rgnt[l] && fcnt_q[l] - 2'(fword[l]) == 2'd0) fw_q[l][0] <= rdata;
        if (rgnt[l] && fcnt_q[l] - 2'(fword[l]) == 2'd1) fw_q[l][1] <= rdata;
      end
    end
  end

  // Release entries (no reset: read only while in the FIFO).
  always_ff @(posedge clk_i) begin
    if (e_push) begin
      etot_q[ew] <= h_span;
      elane_q[ew] <= feed_lane_i;
    end
    if (e_merge) etot_q[et] <= etot_q[et] + h_span;
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
      hh_ptr_q <= '0;
      hi_ptr_q <= '0;
      ha_ptr_q <= '0;
      d_out_q <= '0;
      t_wr_q <= '0;
      t_rd_q <= '0;
      bres_q <= '0;
      bwr_q <= '0;
      used_q <= '0;
      beat_q <= 10'd0;
      rr_q <= '0;
      for (int l = 0; l < int'(Lanes); l++) begin
        fptr_q[l] <= '0;
        ffl_q[l] <= 10'd0;
        fcnt_q[l] <= 2'd0;
        fsub_q[l] <= '0;
        fleft_q[l] <= 10'd0;
        frem_q[l] <= 16'd0;
        fent_q[l] <= '0;
      end
      fed_q <= 1'b0;
      eend_q <= '0;
      er_q <= '0;
      ew_q <= '0;
      hrel_q <= '0;
    end else begin
      used_q <= used_d;
      // Requests.
      if (pk_req || ds_req) t_wr_q <= t_wr_q + (TW + 1)'(1);
      if (ds_req && !d_last) d_out_q <= d_out_q + (RW + 1)'(1);
      if (!ds_req && d_last) d_out_q <= d_out_q - (RW + 1)'(1);
      if (pk_req) bres_q <= pb_add(bres_q, c_span);
      if (pk_req) ha_ptr_q <= ha_ptr_q + (HW + 1)'(1);
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
      if (p_beat) bwr_q <= pb_add(bwr_q, (BW + 1)'(1));
      if (p_last) begin
        filled_q[t_rec] <= 1'b1;
        hi_ptr_q <= hi_ptr_q + (HW + 1)'(1);
      end
      // The front: hand-over frees the record (its beats are released by the feeder, or now).
      if (hand_i) begin
        filled_q[h] <= 1'b0;
        h_ptr_q <= h_ptr_q + (RW + 1)'(1);
        if (h_span != '0) hh_ptr_q <= hh_ptr_q + (HW + 1)'(1);
        fed_q <= 1'b0;
      end
      // Feeders.
      // Else the hand-over releases the span; a record handed on now is no longer the front's.
      if (feed_start_i) fed_q <= e_push && !hand_i;
      if (!feed_start_i && rgnt != '0) begin
        for (int l = 0; l < int'(Lanes); l++) begin
          if (rgnt[l]) rr_q <= LaneW'((l + 1) % int'(Lanes));
        end
      end
      for (int l = 0; l < int'(Lanes); l++) begin
        if (fstart[l]) begin
          fptr_q[l] <= pb_add(bstart_q[h], (BW + 1)'(1));
          ffl_q[l] <= e_push ? 10'(feed_words - (BW + 1)'(1)) : 10'd0;
          fcnt_q[l] <= {1'b0, e_push};
          fsub_q[l] <= '0;
          fleft_q[l] <= feed_beats;
          frem_q[l] <= {2'd0, feed_len_i};
          fent_q[l] <= ew;
        end else begin
          if (rgnt[l]) begin
            fptr_q[l] <= pb_add(fptr_q[l], (BW + 1)'(1));
            ffl_q[l] <= ffl_q[l] - 10'd1;
          end
          // Word FIFO: the older word leaves after its last beat, a read word comes in behind.
          fcnt_q[l] <= fcnt_q[l] + 2'(rgnt[l]) - 2'(fword[l]);
          if (fbeat[l]) begin
            if (fword[l]) begin
              fsub_q[l] <= '0;
            end else begin
              fsub_q[l] <= fsub_q[l] + SubW'(1);
            end
            fleft_q[l] <= fleft_q[l] - 10'd1;
            frem_q[l] <= frem_q[l] - 16'd16;
          end
        end
        if (flast[l]) eend_q[fent_q[l]] <= 1'b1;
      end
      // Release FIFO (a push's slot is free, so never one written above).
      if (e_push) begin
        eend_q[ew] <= 1'b0;
        ew_q <= ew_q + (EW + 1)'(1);
      end
      if (e_pop) begin
        er_q <= er_q + (EW + 1)'(1);
        hrel_q <= '0;
      end else if (h_word) begin
        hrel_q <= hrel_q + (BW + 1)'(1);
      end
    end
  end

  `ASSERT_INIT(SizesLegal_A, (NRec & (NRec - 1)) == 0 && PbufWords * BB == PbufBytes &&
               (NHdr & (NHdr - 1)) == 0 && NHdr >= 2 && NHdr <= NRec &&
               PbufBytes >= 2 * 577 * 16 &&
               (DataW == 128 || DataW == 256 || DataW == 512 || DataW == 1024))
  `ASSERT(HandOnlyFilled_A, hand_i |-> s_valid_o)
  `ASSERT(FeedOnlyWhenFree_A, feed_start_i |-> 32'(feed_lane_i) < Lanes &&
          !feed_busy_o[feed_lane_i] && s_valid_o && !fed_q)
  `ASSERT(FeedWithinSpan_A, feed_start_i |-> feed_words <= h_span)
  `ASSERT(RecordFree_A, d_last |-> nrec != (RW + 1)'(NRec))
  `ASSERT(DescBeats_A, d_last |-> beat_q == 10'(DescBeats - 1))
  `ASSERT(BufferInUse_A, used_q <= (BW + 1)'(PbufWords))
  // A packet coming in has a header slot; the front's record holds the oldest one.
  `ASSERT(HdrSlotAlloc_A, p_beat |-> hi_ptr_q != ha_ptr_q)
  `ASSERT(HdrSlotHead_A, hand_i && h_span != '0 |-> hh_ptr_q != hi_ptr_q)
  `ASSERT(ReleaseWithinEntry_A, e_any |-> hrel_q <= h_tot)

endmodule
