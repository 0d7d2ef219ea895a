// esp_engine: the packet engine of the device front end. For one descriptor at a time it
// fetches the descriptor, checks it, reads the packet into the packet buffer, classifies it
// (the front-end checks of esp_lane_pkg.sv, in hw/model/esp.cc's order), takes the SA's
// sequence number, dispatches the job to a lane, feeds the lane, takes its result, commits
// the replay window (re-checked), accounts lifetimes and counters, raises events, writes the
// output and the completion. Doc: rtl/doc/esp_engine.md.
//
// Order of checks and effects (hw/model/device_model.cc Execute, ExecuteEncap, ExecuteDecap):
//   descriptor: opcode, flags, reserved, in_len <= iv, EXPLICIT_IV on DECAP, ENCAP slot range
//     -> BAD_DESCRIPTOR; in_len - iv > MAX_PACKET -> MALFORMED; packet read error -> DMA_ERROR.
//   encap: slot invalid / inbound / hard limit hit -> SA_EXPIRED; inner IPv4 -> MALFORMED;
//     exhausted -> SEQ_OVERFLOW; output > out_cap -> NO_SPACE; output > 65535 -> MALFORMED;
//     then the sequence number and IP id are taken and the job goes to the lane.
//   decap: LocateEsp -> MALFORMED; SPI in the bucket's ways -> UNKNOWN_SPI; hard limit ->
//     SA_EXPIRED; ESP shorter than the SA's ICV allows -> MALFORMED; replay pre-check -> REPLAY;
//     lane (AUTH_FAIL, NO_SPACE, BAD_PAD, MALFORMED); window commit when the ICV verified
//     (a failed re-check -> REPLAY).
//   then per-SA accounting (OK: packets, bytes, soft/hard limits with events; REPLAY,
//   AUTH_FAIL, other drops), the output DMA (error -> DMA_ERROR), STAT_* and the completion.
// Two parts: a fetcher reads descriptors and packets into one of two slots (descriptor, packet
// buffer, header) while the processor classifies, dispatches and completes the packet of the
// other slot, in fetch order. The processor handles one packet at a time, so per-SA state and
// the order of events are exactly the model's whatever the number of lanes. A descriptor
// fetch error stops the queue at once but its QUEUE_ERROR event is pushed in order; a packet
// fetched behind a completion-write error of its queue (or behind a queue reset) is dropped
// without effects, as the model would never have fetched it.
//
// Byte order: every internal bus has byte 0 in [127:120]. The packet buffer holds the packet as
// read (EXPLICIT_IV bytes included); the first HdrBeats beats are also kept in a header register
// for the classifier.
module esp_engine
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;
  import esp_lane_pkg::*;
#(
  parameter int unsigned Slots = 1024,
  localparam int unsigned SlotW = $clog2(Slots)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              enable_i,
  output logic              idle_o,
  // Queues.
  input  logic              pick_valid_i,
  input  logic [2:0]        pick_q_i,
  input  logic [63:0]       pick_desc_addr_i,
  input  logic [3:0]        pick_epoch_i,
  output logic [2:0]        f_q_o,            // fetcher's queue and epoch
  output logic [3:0]        f_epoch_o,
  output logic              fetch_ok_o,
  output logic              f_stop_o,
  output logic [2:0]        eng_q_o,          // processor's queue and epoch
  output logic [3:0]        eng_epoch_o,
  output logic              stop_o,
  output logic              cpl_done_o,
  output logic              release_o,        // the processor is done with a fetched packet
  input  logic              eng_live_i,
  input  logic [63:0]       cpl_addr_i,
  input  logic              cpl_phase_i,
  // DMA master.
  output logic              rd_req_valid_o,
  input  logic              rd_req_ready_i,
  output logic [63:0]       rd_req_addr_o,
  output logic [15:0]       rd_req_len_o,
  input  logic              rd_valid_i,
  input  logic [127:0]      rd_data_i,
  input  logic              rd_last_i,
  input  logic              rd_err_i,
  output logic              wr_req_valid_o,
  input  logic              wr_req_ready_i,
  output logic [63:0]       wr_req_addr_o,
  output logic [15:0]       wr_req_len_o,
  output logic              wr_data_valid_o,
  input  logic              wr_data_ready_i,
  output logic [127:0]      wr_data_o,
  input  logic              wr_done_i,
  input  logic              wr_err_i,
  // SA table.
  output logic              sa_rd_o,
  output logic [SlotW-1:0]  sa_rd_slot_o,
  input  logic              sa_rd_valid_i,
  input  sa_cfg_t           sa_rd_cfg_i,
  input  sa_state_t         sa_rd_st_i,
  output logic              sa_wr_o,
  output logic [SlotW-1:0]  sa_wr_slot_o,
  output sa_state_t         sa_wr_st_o,
  // Replay windows.
  output logic              rp_chk_valid_o,
  input  logic              rp_chk_ready_i,
  output logic [SlotW-1:0]  rp_chk_slot_o,
  output logic [31:0]       rp_chk_seq_lo_o,
  input  logic              rp_chk_done_i,
  input  logic              rp_chk_ok_i,
  input  logic [63:0]       rp_chk_seq_i,
  output logic              rp_cmt_valid_o,
  input  logic              rp_cmt_ready_i,
  output logic [SlotW-1:0]  rp_cmt_slot_o,
  output logic [63:0]       rp_cmt_seq_o,
  input  logic              rp_cmt_done_i,
  input  logic              rp_cmt_ok_i,
  // Lane.
  output logic              job_valid_o,
  input  logic              job_ready_i,
  output lane_job_t         job_o,
  output logic              in_valid_o,
  input  logic              in_ready_i,
  output logic [127:0]      in_data_o,
  output logic [15:0]       in_keep_o,
  output logic              in_last_o,
  input  logic              res_valid_i,
  output logic              res_ready_o,
  input  lane_result_t      res_i,
  input  logic              out_valid_i,
  output logic              out_ready_o,
  input  logic [127:0]      out_data_i,
  input  logic              out_last_i,
  // Events, statistics, coalescing.
  output logic              ev_push_o,
  output logic [3:0]        ev_type_o,
  output logic [15:0]       ev_slot_o,
  output logic              stat_valid_o,
  output logic [3:0]        stat_status_o,
  output logic              stat_encap_ok_o,
  output logic              stat_decap_ok_o,
  output logic              cpl_valid_o,
  output logic [2:0]        cpl_q_o,
  output logic              cpl_force_o,
  // Utilization: clocks with a packet in the engine / a job in the lane.
  output logic              busy_o,
  output logic              lane_busy_o
);
  `include "prim_assert.svh"

  localparam int unsigned PbufBeats = 578;  // ceil((MAX_PACKET + 8) / 16) + 1
  localparam int unsigned HdrBeats = 6;     // bytes 0..95: every field the classifier reads
  localparam int unsigned MaxLen = (1 << LenW) - 1;

  typedef enum logic [4:0] {
    StIdle,
    StParse,
    StWay0,
    StWay1Wait,
    StSaWait,
    StEncChk,
    StDecChk,
    StRpChk,
    StJob,
    StHazard,
    StHand
  } state_e;
  state_e state_q, state_d;

  // ------------------------------------------------------------------------------ registers
  // Slots, filled by the fetcher, emptied by the processor.
  typedef enum logic [1:0] {
    PreOk,        // packet in the buffer
    PreStatus,    // completes with pre_st (BAD_DESCRIPTOR, MALFORMED, DMA_ERROR), no SA effect
    PreFetchErr   // the descriptor read failed: the queue is stopped, QUEUE_ERROR in order
  } pre_e;
  logic [127:0] pbuf_q [2 * PbufBeats];
  logic [8*16*HdrBeats-1:0] shdr_q [2];
  logic [255:0] sdesc_q [2];
  pre_e         spre_q [2];
  logic [3:0]   spre_st_q [2];
  logic [2:0]   sq_q [2];
  logic [3:0]   sepoch_q [2];
  logic [1:0]   svalid_q;        // filled, not yet handed on by the front
  logic [1:0]   sfeed_q;         // the feeder reads the slot's packet buffer
  logic         f_slot_q, p_slot_q;
  // The processor's slot.
  logic [8*16*HdrBeats-1:0] p_hdr;
  logic [255:0] p_desc;
  logic [2:0]   p_q;
  logic [3:0]   p_epoch;
  assign p_hdr = shdr_q[p_slot_q];
  assign p_desc = sdesc_q[p_slot_q];
  assign p_q = sq_q[p_slot_q];
  assign p_epoch = sepoch_q[p_slot_q];
  // Queues whose completion write failed (in this epoch): their fetched packets are dropped.
  logic [7:0]   flush_q;
  logic [3:0]   flush_epoch_q [8];
  // The front's packet.
  logic [3:0]   status_q;
  logic [63:0]  seq_q;           // completion seq
  logic [SlotW-1:0] slot_q;
  sa_cfg_t      cfg_q;
  sa_state_t    st_q;
  logic         acct_q;          // the packet is accounted to slot_q
  logic         ev_seq_q;
  logic [63:0]  bytes_q;         // lifetime bytes of an OK packet
  lane_job_t    job_q;
  // The back's packet.
  lane_result_t res_q;
  logic         write_out_q;     // output beats go to DMA (else drained)
  logic [9:0]   out_left_q;      // output beats still to come from the lane
  logic [9:0]   feed_idx_q, feed_left_q;
  logic [15:0]  feed_rem_q;      // bytes left to feed
  logic         dma_err_q;

  logic [3:0]   status_d;
  logic [63:0]  seq_d, bytes_d;
  logic [SlotW-1:0] slot_d;
  sa_cfg_t      cfg_d;
  sa_state_t    st_d;
  logic         acct_d, ev_seq_d, write_out_d, dma_err_d;
  lane_job_t    job_d;
  lane_result_t res_d;
  logic [9:0]   out_left_d, feed_idx_d, feed_left_d;
  logic [15:0]  feed_rem_d;
  logic         feed_start;

  // ------------------------------------------------------------------- descriptor fields
  function automatic logic [7:0] db(logic [255:0] d, int unsigned i);
    return d[255 - 8 * i -: 8];
  endfunction
  logic [7:0]  d_opcode, d_flags;
  logic [15:0] d_sa, d_in_len, d_out_cap;
  logic [31:0] d_cookie;
  logic [63:0] d_out_addr;
  logic        unused_d_sa;
  assign unused_d_sa = ^d_sa[15:SlotW];
  always_comb begin
    d_opcode = db(p_desc, 0);
    d_flags = db(p_desc, 1);
    d_sa = {db(p_desc, 3), db(p_desc, 2)};
    d_cookie = {db(p_desc, 7), db(p_desc, 6), db(p_desc, 5), db(p_desc, 4)};
    for (int i = 0; i < 8; i++) begin
      d_out_addr[8 * i +: 8] = db(p_desc, 16 + i);
    end
    d_in_len = {db(p_desc, 25), db(p_desc, 24)};
    d_out_cap = {db(p_desc, 27), db(p_desc, 26)};
  end
  logic d_encap, d_xiv;
  logic [15:0] d_iv_len;
  assign d_encap = d_opcode == OpcodeEncap;
  assign d_xiv = d_flags[SQ_DESC_FLAGS_EXPLICIT_IV_BIT];
  assign d_iv_len = d_xiv ? 16'd8 : 16'd0;

  // ------------------------------------------------------------------------- classifier
  function automatic logic [7:0] hb(logic [8*16*HdrBeats-1:0] h, logic [6:0] i);
    return h[8*16*HdrBeats-1 - 8 * 32'(i) -: 8];
  endfunction

  // IPv4 header at byte po (0, or 8 after an explicit IV) of a packet of `avail` bytes.
  logic [6:0]  po;
  logic [15:0] avail;
  logic [7:0]  ip_b0, ip_proto;
  logic [6:0]  hlen;
  logic [15:0] ip_total, ip_frag;
  logic        ip_ok;
  assign po = d_xiv ? 7'd8 : 7'd0;
  assign avail = d_in_len - d_iv_len;
  assign ip_b0 = hb(p_hdr, po);
  assign hlen = {1'b0, ip_b0[3:0], 2'b00};
  assign ip_total = {hb(p_hdr, po + 7'd2), hb(p_hdr, po + 7'd3)};
  assign ip_frag = {hb(p_hdr, 7'd6), hb(p_hdr, 7'd7)};
  assign ip_proto = hb(p_hdr, 7'd9);
  assign ip_ok = avail >= 16'd20 && ip_b0[7:4] == 4'd4 && hlen >= 7'd20 &&
                 ip_total >= {9'd0, hlen} && ip_total <= avail;

  // Decap: LocateEsp (hw/model/esp.cc).
  logic        udp;
  logic [15:0] udp_room, udp_dport, udp_len, esp_len;
  logic [6:0]  esp_off;
  logic [31:0] spi, seq_lo;
  logic        loc_ok;
  assign udp = ip_proto == 8'd17;
  assign udp_room = ip_total - {9'd0, hlen};
  assign udp_dport = {hb(p_hdr, hlen + 7'd2), hb(p_hdr, hlen + 7'd3)};
  assign udp_len = {hb(p_hdr, hlen + 7'd4), hb(p_hdr, hlen + 7'd5)};
  assign esp_off = hlen + (udp ? 7'd8 : 7'd0);
  assign esp_len = ip_total - {9'd0, esp_off};
  assign spi = {hb(p_hdr, esp_off), hb(p_hdr, esp_off + 7'd1), hb(p_hdr, esp_off + 7'd2),
                hb(p_hdr, esp_off + 7'd3)};
  assign seq_lo = {hb(p_hdr, esp_off + 7'd4), hb(p_hdr, esp_off + 7'd5),
                   hb(p_hdr, esp_off + 7'd6), hb(p_hdr, esp_off + 7'd7)};
  always_comb begin
    loc_ok = ip_ok && (ip_frag & 16'h3fff) == 16'd0;
    if (udp) begin
      loc_ok = loc_ok && udp_room >= 16'd8 && udp_dport == 16'd4500 && udp_len == udp_room;
    end else if (ip_proto != 8'd50) begin
      loc_ok = 1'b0;
    end
    loc_ok = loc_ok && esp_len >= 16'd26 && spi != 32'd0;
  end

  // Inbound bucket (hw/spi_hash.h): slot = SA_WAYS * (hash(spi) mod (Slots / SA_WAYS)) + way.
  logic [SlotW-2:0] bucket;
  logic [SlotW-1:0] way0;
  assign bucket = (SlotW - 1)'(spi ^ (spi >> 11) ^ (spi >> 22));
  assign way0 = {bucket, 1'b0};

  // ICV bytes of the SA read.
  function automatic logic [4:0] icv_bytes(logic [1:0] icv);
    unique case (icv)
      IcvLenIcv12: return 5'd12;
      IcvLenIcv8:  return 5'd8;
      default:     return 5'd16;
    endcase
  endfunction

  // Encap output size (EspEncap).
  logic [15:0] payload, ct_len;
  logic [1:0]  pad;
  logic [16:0] enc_total;
  always_comb begin
    payload = cfg_q.tunnel ? ip_total : ip_total - {9'd0, hlen};
    pad = 2'(-(payload + 16'd2));
    ct_len = payload + {14'd0, pad} + 16'd2;
    enc_total = {1'b0, ct_len} + 17'd16 + {12'd0, icv_bytes(cfg_q.icv)} +
                (cfg_q.tunnel ? 17'd20 : {10'd0, hlen}) + (cfg_q.natt ? 17'd8 : 17'd0);
  end

  logic [63:0] max_seq;
  assign max_seq = cfg_q.esn ? 64'hffff_ffff_ffff_ffff : 64'h0000_0000_ffff_ffff;

  function automatic logic [LenW-1:0] clamp_len(logic [15:0] v);
    return (32'(v) > MaxLen) ? LenW'(MaxLen) : v[LenW-1:0];
  endfunction

  // The SA fields a lane needs (esp_lane_pkg lane_sa_t).
  lane_sa_t cur_sa;
  always_comb begin
    cur_sa.aes256 = cfg_q.aes256;
    cur_sa.tunnel = cfg_q.tunnel;
    cur_sa.natt = cfg_q.natt;
    cur_sa.esn = cfg_q.esn;
    cur_sa.icv = cfg_q.icv;
    cur_sa.spi = cfg_q.spi;
    cur_sa.salt = cfg_q.salt;
    cur_sa.tun_src = cfg_q.tun_src;
    cur_sa.tun_dst = cfg_q.tun_dst;
    cur_sa.sport = cfg_q.sport;
    cur_sa.dport = cfg_q.dport;
  end
  logic unused_cfg;
  assign unused_cfg = ^{cfg_q.window, cfg_q.dir_in};

  // --------------------------------------------------------------- front -> back record
  // The front (classifier, dispatch) hands each packet to the back (lane result, replay commit,
  // accounting, events, output, completion) as one record; the back finishes packets in order.
  typedef enum logic [1:0] {
    KPacket,    // a packet (maybe dispatched to a lane)
    KFetchErr   // a failed descriptor read: QUEUE_ERROR in order
  } kind_e;
  typedef struct packed {
    kind_e            kind;
    logic             lane;      // a job went to the lane: take its result and output
    logic             decap;
    logic             encap_op;  // for STAT_ENCAP_PKTS / STAT_DECAP_PKTS
    logic [3:0]       status;
    logic [63:0]      seq;
    logic [SlotW-1:0] slot;
    logic             acct;
    logic             ev_seq;
    logic [63:0]      bytes;
    logic [31:0]      cookie;
    logic [63:0]      out_addr;
    logic             irq;
    logic [2:0]       q;
    logic [3:0]       epoch;
  } back_t;
  back_t     b_q, b_d;
  logic      b_valid_q;
  logic      hand;             // the front hands a record to the back this clock
  back_t     hand_rec;
  sa_cfg_t   b_cfg_q;          // the SA's limits, with its state
  sa_state_t b_st_q, b_st_d;
  logic      b_done;           // the back finishes its record this clock

  // The front must not read an SA the back has not accounted yet.
  logic b_haz_q;  // the back holds a packet accounted to b_q.slot
  assign b_haz_q = b_valid_q && b_q.kind == KPacket && b_q.acct;
  function automatic logic hazard(logic haz, logic [SlotW-1:0] bslot, logic [SlotW-1:0] slot);
    return haz && bslot == slot;
  endfunction
  logic unused_b_cfg;
  assign unused_b_cfg = ^{b_cfg_q.dir_in, b_cfg_q.aes256, b_cfg_q.tunnel, b_cfg_q.natt,
                          b_cfg_q.esn, b_cfg_q.icv, b_cfg_q.spi, b_cfg_q.salt, b_cfg_q.tun_src,
                          b_cfg_q.tun_dst, b_cfg_q.sport, b_cfg_q.dport, b_cfg_q.window};

  // Account (device_model.cc): the state after the back's packet.
  sa_state_t acct_st;
  logic acct_soft, acct_hard;
  always_comb begin
    acct_st = b_st_q;
    acct_soft = 1'b0;
    acct_hard = 1'b0;
    unique case (b_status_q)
      StatusOk: begin
        acct_st.pkts = b_st_q.pkts + 64'd1;
        acct_st.bytes = b_st_q.bytes + b_q.bytes;
        if (!b_st_q.soft_hit &&
            ((b_cfg_q.soft_pkts != 64'd0 && acct_st.pkts >= b_cfg_q.soft_pkts) ||
             (b_cfg_q.soft_bytes != 64'd0 && acct_st.bytes >= b_cfg_q.soft_bytes))) begin
          acct_st.soft_hit = 1'b1;
          acct_soft = 1'b1;
        end
        if (!b_st_q.hard_hit &&
            ((b_cfg_q.hard_pkts != 64'd0 && acct_st.pkts >= b_cfg_q.hard_pkts) ||
             (b_cfg_q.hard_bytes != 64'd0 && acct_st.bytes >= b_cfg_q.hard_bytes))) begin
          acct_st.hard_hit = 1'b1;
          acct_hard = 1'b1;
        end
      end
      StatusReplay: acct_st.replay = b_st_q.replay + 32'd1;
      StatusAuthFail: acct_st.auth_fail = b_st_q.auth_fail + 32'd1;
      default: acct_st.other_drops = b_st_q.other_drops + 32'd1;
    endcase
  end

  // ---------------------------------------------------------------------------- feeder
  // Sends the job's input beats from its slot's packet buffer to the lane, beside the FSMs.
  logic feed_slot_q;
  logic feed_last;
  assign in_valid_o = feed_left_q != 10'd0;
  assign in_data_o = pbuf_q[(feed_slot_q ? 11'(PbufBeats) : 11'd0) + {1'b0, feed_idx_q}];
  assign in_last_o = feed_left_q == 10'd1;
  assign in_keep_o = (feed_rem_q >= 16'd16) ? 16'hffff : ~(16'hffff >> feed_rem_q[3:0]);
  assign feed_last = in_valid_o && in_ready_i && feed_left_q == 10'd1;

  // ------------------------------------------------------------------------ completion
  logic [3:0]   b_status_q, b_status_d;  // the back's final status (REPLAY, DMA_ERROR)
  logic [15:0]  b_out_len_q, b_out_len_d;
  logic [127:0] cpl_beat;
  always_comb begin
    logic [7:0] b [16];
    for (int i = 0; i < 4; i++) b[i] = b_q.cookie[8 * i +: 8];
    b[4] = b_out_len_q[7:0];
    b[5] = b_out_len_q[15:8];
    b[6] = {4'd0, b_status_q};
    b[7] = {7'd0, cpl_phase_i};
    for (int i = 0; i < 8; i++) b[8 + i] = b_q.seq[8 * i +: 8];
    for (int i = 0; i < 16; i++) cpl_beat[127 - 8 * i -: 8] = b[i];
  end

  // ------------------------------------------------------------------------- front FSM
  logic lane_q, lane_d;  // the front's packet went to the lane
  always_comb begin
    hand_rec = '0;
    hand_rec.kind = KPacket;
    hand_rec.lane = lane_q;
    hand_rec.decap = job_q.decap;
    hand_rec.encap_op = d_encap;
    hand_rec.status = status_q;
    hand_rec.seq = seq_q;
    hand_rec.slot = slot_q;
    hand_rec.acct = acct_q;
    hand_rec.ev_seq = ev_seq_q;
    hand_rec.bytes = bytes_q;
    hand_rec.cookie = d_cookie;
    hand_rec.out_addr = d_out_addr;
    hand_rec.irq = d_flags[SQ_DESC_FLAGS_IRQ_BIT];
    hand_rec.q = p_q;
    hand_rec.epoch = p_epoch;
  end

  always_comb begin
    state_d = state_q;
    status_d = status_q;
    seq_d = seq_q;
    slot_d = slot_q;
    cfg_d = cfg_q;
    st_d = st_q;
    acct_d = acct_q;
    ev_seq_d = ev_seq_q;
    bytes_d = bytes_q;
    job_d = job_q;
    lane_d = lane_q;
    feed_start = 1'b0;
    job_valid_o = 1'b0;
    sa_rd_o = 1'b0;
    sa_rd_slot_o = slot_q;
    hand = 1'b0;
    unique case (state_q)
      StIdle: begin
        // The next fetched packet, in fetch order.
        status_d = StatusOk;
        seq_d = 64'd0;
        acct_d = 1'b0;
        ev_seq_d = 1'b0;
        lane_d = 1'b0;
        job_d = '0;
        slot_d = d_sa[SlotW-1:0];
        if (svalid_q[p_slot_q]) begin
          if (spre_q[p_slot_q] == PreFetchErr) begin
            state_d = StHand;
          end else if (spre_q[p_slot_q] == PreStatus) begin
            status_d = spre_st_q[p_slot_q];
            state_d = StHand;
          end else if (d_encap) begin
            sa_rd_o = 1'b1;
            sa_rd_slot_o = d_sa[SlotW-1:0];
            state_d = StSaWait;
          end else begin
            state_d = StParse;
          end
        end
      end
      StSaWait: begin
        cfg_d = sa_rd_cfg_i;
        st_d = sa_rd_st_i;
        acct_d = sa_rd_valid_i;
        if (hazard(b_haz_q, b_q.slot, slot_q)) begin
          state_d = StHazard;
        end else if (!sa_rd_valid_i || sa_rd_cfg_i.dir_in || sa_rd_st_i.hard_hit) begin
          status_d = StatusSaExpired;
          state_d = StHand;
        end else begin
          state_d = StEncChk;
        end
      end
      StHazard: begin
        // Wait for the back to write the SA's state, then read it again.
        if (!b_valid_q) begin
          sa_rd_o = 1'b1;
          state_d = d_encap ? StSaWait : StWay1Wait;
        end
      end
      StEncChk: begin
        bytes_d = {48'd0, ip_total};
        if (!ip_ok) begin
          status_d = StatusMalformed;
          state_d = StHand;
        end else if (st_q.seq_exhausted || st_q.next_seq > max_seq) begin
          status_d = StatusSeqOverflow;
          st_d.seq_exhausted = 1'b1;
          state_d = StHand;
        end else if (enc_total > {1'b0, d_out_cap}) begin
          status_d = StatusNoSpace;
          state_d = StHand;
        end else if (enc_total > 17'hffff) begin
          status_d = StatusMalformed;
          state_d = StHand;
        end else begin
          // Take the sequence number and the IP id: only packets that are sent do.
          seq_d = st_q.next_seq;
          if (st_q.next_seq == max_seq) begin
            st_d.seq_exhausted = 1'b1;
            ev_seq_d = 1'b1;
          end else begin
            st_d.next_seq = st_q.next_seq + 64'd1;
          end
          if (cfg_q.tunnel) st_d.ip_id = st_q.ip_id + 16'd1;
          job_d = '0;
          job_d.decap = 1'b0;
          job_d.slot = 16'(slot_q);
          job_d.sa = cur_sa;
          job_d.seq = st_q.next_seq;
          job_d.explicit_iv = d_xiv;
          job_d.ip_id = st_q.ip_id;
          job_d.in_len = LenW'({9'd0, po} + ip_total);
          job_d.out_cap = clamp_len(d_out_cap);
          state_d = StJob;
        end
      end
      StParse: begin
        if (!loc_ok) begin
          status_d = StatusMalformed;
          state_d = StHand;
        end else begin
          sa_rd_o = 1'b1;
          sa_rd_slot_o = way0;
          slot_d = way0;
          state_d = StWay0;
        end
      end
      StWay0: begin
        cfg_d = sa_rd_cfg_i;
        st_d = sa_rd_st_i;
        if (sa_rd_valid_i && sa_rd_cfg_i.dir_in && sa_rd_cfg_i.spi == spi) begin
          acct_d = 1'b1;
          state_d = hazard(b_haz_q, b_q.slot, slot_q) ? StHazard : StDecChk;
        end else begin
          sa_rd_o = 1'b1;
          sa_rd_slot_o = way0 | SlotW'(1);
          slot_d = way0 | SlotW'(1);
          state_d = StWay1Wait;
        end
      end
      StWay1Wait: begin
        cfg_d = sa_rd_cfg_i;
        st_d = sa_rd_st_i;
        if (sa_rd_valid_i && sa_rd_cfg_i.dir_in && sa_rd_cfg_i.spi == spi) begin
          acct_d = 1'b1;
          state_d = hazard(b_haz_q, b_q.slot, slot_q) ? StHazard : StDecChk;
        end else begin
          status_d = StatusUnknownSpi;
          state_d = StHand;
        end
      end
      StDecChk: begin
        if (st_q.hard_hit) begin
          status_d = StatusSaExpired;
          state_d = StHand;
        end else if (esp_len < 16'd18 + {11'd0, icv_bytes(cfg_q.icv)}) begin
          status_d = StatusMalformed;
          state_d = StHand;
        end else if (rp_chk_ready_i) begin
          state_d = StRpChk;  // rp_chk_valid_o is high
        end
      end
      StRpChk: begin
        if (rp_chk_done_i) begin
          seq_d = rp_chk_seq_i;
          if (!rp_chk_ok_i) begin
            status_d = StatusReplay;
            state_d = StHand;
          end else begin
            job_d = '0;
            job_d.decap = 1'b1;
            job_d.slot = 16'(slot_q);
            job_d.sa = cur_sa;
            job_d.seq = rp_chk_seq_i;
            job_d.esp_off = esp_off;
            job_d.in_len = LenW'(ip_total);
            job_d.out_cap = clamp_len(d_out_cap);
            state_d = StJob;
          end
        end
      end
      StJob: begin
        job_valid_o = feed_left_q == 10'd0;
        if (job_valid_o && job_ready_i) begin
          feed_start = 1'b1;
          lane_d = 1'b1;
          state_d = StHand;
        end
      end
      StHand: begin
        if (!b_valid_q) begin
          hand = 1'b1;  // the front is done with the slot (the feeder may still read it)
          state_d = StIdle;
        end
      end
      default: state_d = StIdle;
    endcase
  end

  // -------------------------------------------------------------------------- back FSM
  typedef enum logic [3:0] {
    BIdle,
    BRes,
    BCmt,
    BCmtWait,
    BAcct,
    BEvSeq,
    BEvSoft,
    BEvHard,
    BOut,
    BOutWait,
    BCpl,
    BCplWait
  } bstate_e;
  bstate_e      bstate_q, bstate_d;
  logic         b_drop_q, b_drop_d;  // fetched behind a reset or a completion error: no effect
  logic         b_ev_soft_q, b_ev_soft_d, b_ev_hard_q, b_ev_hard_d;
  logic         b_flushed;
  assign b_flushed = !eng_live_i || (flush_q[b_q.q] && flush_epoch_q[b_q.q] == b_q.epoch);

  always_comb begin
    bstate_d = bstate_q;
    b_drop_d = b_drop_q;
    b_st_d = b_st_q;
    b_status_d = b_status_q;
    b_out_len_d = b_out_len_q;
    b_ev_soft_d = b_ev_soft_q;
    b_ev_hard_d = b_ev_hard_q;
    res_d = res_q;
    write_out_d = write_out_q;
    out_left_d = out_left_q;
    dma_err_d = dma_err_q;
    b_done = 1'b0;
    wr_req_valid_o = 1'b0;
    wr_req_addr_o = b_q.out_addr;
    wr_req_len_o = {2'd0, res_q.out_len};
    sa_wr_o = 1'b0;
    sa_wr_slot_o = b_q.slot;
    sa_wr_st_o = acct_st;
    release_o = 1'b0;
    stop_o = 1'b0;
    cpl_done_o = 1'b0;
    ev_push_o = 1'b0;
    ev_type_o = EventNone;
    ev_slot_o = {{(16 - SlotW){1'b0}}, b_q.slot};
    stat_valid_o = 1'b0;
    cpl_valid_o = 1'b0;
    unique case (bstate_q)
      BIdle: begin
        b_status_d = b_q.status;
        b_out_len_d = 16'd0;
        b_ev_soft_d = 1'b0;
        b_ev_hard_d = 1'b0;
        dma_err_d = 1'b0;
        out_left_d = 10'd0;
        b_drop_d = b_flushed;
        if (b_valid_q) begin
          if (b_q.kind == KFetchErr) begin
            // Q_STATUS.STOPPED becomes visible with the event (the fetcher stopped already).
            stop_o = 1'b1;
            ev_push_o = eng_live_i;
            ev_type_o = EventQueueError;
            ev_slot_o = {13'd0, b_q.q};
            b_done = 1'b1;  // never counted in flight: no release
          end else if (b_q.lane) begin
            bstate_d = BRes;
          end else if (b_flushed) begin
            release_o = 1'b1;  // as if never fetched
            b_done = 1'b1;
          end else begin
            bstate_d = BAcct;
          end
        end
      end
      BRes: begin
        if (res_valid_i) begin
          res_d = res_i;
          b_status_d = res_i.status;
          if (res_i.status == StatusOk) b_out_len_d = {2'd0, res_i.out_len};
          out_left_d = 10'((({2'd0, res_i.out_len}) + 16'd15) >> 4);
          if (b_drop_q) begin
            write_out_d = 1'b0;
            bstate_d = BOutWait;  // drain the lane's output, then nothing
          end else if (b_q.decap && res_i.icv_ok && res_i.status != StatusAuthFail &&
                       res_i.status != StatusNoSpace) begin
            bstate_d = BCmt;
          end else begin
            bstate_d = BAcct;
          end
        end
      end
      BCmt: if (rp_cmt_ready_i) bstate_d = BCmtWait;  // rp_cmt_valid_o is high
      BCmtWait: begin
        if (rp_cmt_done_i) begin
          if (!rp_cmt_ok_i) begin
            // Another packet with this number verified first: a replay after all.
            b_status_d = StatusReplay;
            b_out_len_d = 16'd0;
          end
          bstate_d = BAcct;
        end
      end
      BAcct: begin
        // res_q.inner_len: decap bytes as device_model.cc counts them; encap: from the front.
        if (b_q.acct) begin
          sa_wr_o = 1'b1;
          b_st_d = acct_st;
          b_ev_soft_d = acct_soft;
          b_ev_hard_d = acct_hard;
        end
        bstate_d = BEvSeq;
      end
      BEvSeq: begin
        if (b_q.ev_seq) begin
          ev_push_o = 1'b1;
          ev_type_o = EventSeqOverflow;
        end
        bstate_d = BEvSoft;
      end
      BEvSoft: begin
        if (b_ev_soft_q) begin
          ev_push_o = 1'b1;
          ev_type_o = EventSoftLifetime;
        end
        bstate_d = BEvHard;
      end
      BEvHard: begin
        if (b_ev_hard_q) begin
          ev_push_o = 1'b1;
          ev_type_o = EventHardLifetime;
        end
        write_out_d = b_status_q == StatusOk && b_out_len_q != 16'd0;
        bstate_d = BOut;
      end
      BOut: begin
        // Output: to host memory when OK, else the lane's beats (if any) are drained.
        if (write_out_q) begin
          wr_req_valid_o = 1'b1;
          if (wr_req_ready_i) bstate_d = BOutWait;
        end else begin
          bstate_d = BOutWait;
        end
      end
      BOutWait: begin
        if (out_valid_i && out_ready_o) out_left_d = out_left_q - 10'd1;
        if (wr_done_i) begin
          write_out_d = 1'b0;
          dma_err_d = wr_err_i;
        end
        if (!write_out_q && out_left_q == 10'd0) begin
          if (dma_err_q) begin
            b_status_d = StatusDmaError;
            b_out_len_d = 16'd0;
          end
          if (b_drop_q) begin
            release_o = 1'b1;
            b_done = 1'b1;
            bstate_d = BIdle;
          end else begin
            bstate_d = BCpl;
          end
        end
      end
      BCpl: begin
        if (!eng_live_i) begin
          release_o = 1'b1;  // the queue was reset meanwhile: nothing to complete into
          b_done = 1'b1;
          bstate_d = BIdle;
        end else begin
          wr_req_valid_o = 1'b1;
          wr_req_addr_o = cpl_addr_i;
          wr_req_len_o = 16'd16;
          if (wr_req_ready_i) bstate_d = BCplWait;
          stat_valid_o = wr_req_ready_i;
        end
      end
      BCplWait: begin
        if (wr_done_i) begin
          if (wr_err_i) begin
            stop_o = 1'b1;
            ev_push_o = eng_live_i;
            ev_type_o = EventQueueError;
            ev_slot_o = {13'd0, b_q.q};
          end else begin
            cpl_done_o = 1'b1;
            cpl_valid_o = eng_live_i;
          end
          release_o = 1'b1;
          b_done = 1'b1;
          bstate_d = BIdle;
        end
      end
      default: bstate_d = BIdle;
    endcase
  end

  // The back's record: loaded from the front (with the SA's cfg and state), freed when done.
  always_comb begin
    b_d = b_q;
    if (hand) begin
      b_d = hand_rec;
      if (spre_q[p_slot_q] == PreFetchErr) b_d.kind = KFetchErr;
    end else if (bstate_q == BRes && res_valid_i && b_q.decap) begin
      b_d.bytes = {50'd0, res_i.inner_len};  // decap bytes as device_model.cc counts them
    end
  end

  // Lane output: to the DMA write (OK packets) or drained; the completion beat after it.
  // Kept out of the FSMs' blocks: they must not depend on their inputs from the lane.
  assign res_ready_o = bstate_q == BRes;
  assign out_ready_o = bstate_q == BOutWait && out_left_q != 10'd0 &&
                       (!write_out_q || wr_data_ready_i);
  assign wr_data_valid_o = (bstate_q == BOutWait && write_out_q && out_valid_i &&
                            out_left_q != 10'd0) || bstate_q == BCplWait;
  assign wr_data_o = (bstate_q == BCplWait) ? cpl_beat : out_data_i;

  assign eng_q_o = b_q.q;
  assign eng_epoch_o = b_q.epoch;
  assign cpl_q_o = b_q.q;
  assign cpl_force_o = b_q.irq;
  assign stat_status_o = b_status_q;
  assign stat_encap_ok_o = b_status_q == StatusOk && b_q.encap_op;
  assign stat_decap_ok_o = b_status_q == StatusOk && !b_q.encap_op;
  // Replay requests, outside the FSMs' blocks (the replay unit's ready depends on its valids).
  assign rp_chk_valid_o = state_q == StDecChk && !st_q.hard_hit &&
                          esp_len >= 16'd18 + {11'd0, icv_bytes(cfg_q.icv)};
  assign rp_cmt_valid_o = bstate_q == BCmt;
  assign rp_chk_slot_o = slot_q;
  assign rp_chk_seq_lo_o = seq_lo;
  assign rp_cmt_slot_o = b_q.slot;
  assign rp_cmt_seq_o = b_q.seq;
  assign job_o = job_q;
  assign idle_o = state_q == StIdle && bstate_q == BIdle && !b_valid_q && f_state_q == FIdle &&
                  svalid_q == 2'b00 && sfeed_q == 2'b00 && feed_left_q == 10'd0;
  assign busy_o = state_q != StIdle || b_valid_q || f_state_q != FIdle;
  assign lane_busy_o = bstate_q == BRes || feed_left_q != 10'd0;

  // Feeder state.
  always_comb begin
    feed_idx_d = feed_idx_q;
    feed_left_d = feed_left_q;
    feed_rem_d = feed_rem_q;
    if (feed_start) begin
      feed_idx_d = 10'd0;
      feed_left_d = 10'((({2'd0, job_q.in_len}) + 16'd15) >> 4);
      feed_rem_d = {2'd0, job_q.in_len};
    end else if (in_valid_o && in_ready_i) begin
      feed_idx_d = feed_idx_q + 10'd1;
      feed_left_d = feed_left_q - 10'd1;
      feed_rem_d = feed_rem_q - 16'd16;
    end
  end

  // -------------------------------------------------------------------------- fetcher
  // Descriptor checks (Execute in device_model.cc): BAD_DESCRIPTOR, then MALFORMED for size.
  function automatic logic [3:0] desc_status(logic [255:0] d, int unsigned slots);
    logic [7:0]  op, fl;
    logic [15:0] sa, in_len, iv;
    logic        enc;
    op = db(d, 0);
    fl = db(d, 1);
    sa = {db(d, 3), db(d, 2)};
    in_len = {db(d, 25), db(d, 24)};
    iv = fl[SQ_DESC_FLAGS_EXPLICIT_IV_BIT] ? 16'd8 : 16'd0;
    enc = op == OpcodeEncap;
    if ((!enc && op != OpcodeDecap) || (fl & ~8'h03) != 8'd0 ||
        {db(d, 31), db(d, 30), db(d, 29), db(d, 28)} != 32'd0 || in_len <= iv ||
        (fl[SQ_DESC_FLAGS_EXPLICIT_IV_BIT] && !enc) || (enc && 32'(sa) >= slots)) begin
      return StatusBadDescriptor;
    end
    if (in_len - iv > 16'(MAX_PACKET)) return StatusMalformed;
    return StatusOk;
  endfunction

  typedef enum logic [1:0] {
    FIdle,
    FDesc,
    FCheck,
    FPkt
  } fstate_e;
  fstate_e      f_state_q, f_state_d;
  logic [9:0]   f_beat_q, f_beat_d;
  logic [2:0]   f_q_q, f_q_d;
  logic [3:0]   f_epoch_q, f_epoch_d;
  logic [255:0] f_desc;          // the fetcher's slot
  logic [3:0]   f_dst;
  logic         f_fill;          // the slot is complete this clock
  pre_e         f_pre;
  logic [3:0]   f_pre_st;
  assign f_desc = sdesc_q[f_slot_q];
  assign f_dst = desc_status(f_desc, Slots);
  assign f_q_o = f_q_q;
  assign f_epoch_o = f_epoch_q;

  always_comb begin
    f_state_d = f_state_q;
    f_beat_d = f_beat_q;
    f_q_d = f_q_q;
    f_epoch_d = f_epoch_q;
    f_fill = 1'b0;
    f_pre = PreOk;
    f_pre_st = StatusOk;
    fetch_ok_o = 1'b0;
    f_stop_o = 1'b0;
    rd_req_valid_o = 1'b0;
    rd_req_addr_o = pick_desc_addr_i;
    rd_req_len_o = 16'd32;
    unique case (f_state_q)
      FIdle: begin
        if (pick_valid_i && enable_i && !svalid_q[f_slot_q] && !sfeed_q[f_slot_q]) begin
          rd_req_valid_o = 1'b1;
          if (rd_req_ready_i) begin
            f_q_d = pick_q_i;
            f_epoch_d = pick_epoch_i;
            f_beat_d = 10'd0;
            f_state_d = FDesc;
          end
        end
      end
      FDesc: begin
        if (rd_valid_i) begin
          f_beat_d = f_beat_q + 10'd1;
          if (rd_last_i) begin
            if (rd_err_i) begin
              // A ring access failed: no more fetches from the queue (re-enable to recover);
              // the back sets STOPPED and raises QUEUE_ERROR when it reaches this slot.
              f_stop_o = 1'b1;
              f_fill = 1'b1;
              f_pre = PreFetchErr;
              f_state_d = FIdle;
            end else begin
              fetch_ok_o = 1'b1;
              f_state_d = FCheck;
            end
          end
        end
      end
      FCheck: begin
        if (f_dst != StatusOk) begin
          f_fill = 1'b1;
          f_pre = PreStatus;
          f_pre_st = f_dst;
          f_state_d = FIdle;
        end else begin
          rd_req_valid_o = 1'b1;
          rd_req_addr_o = {db(f_desc, 15), db(f_desc, 14), db(f_desc, 13), db(f_desc, 12),
                           db(f_desc, 11), db(f_desc, 10), db(f_desc, 9), db(f_desc, 8)};
          rd_req_len_o = {db(f_desc, 25), db(f_desc, 24)};
          if (rd_req_ready_i) begin
            f_beat_d = 10'd0;
            f_state_d = FPkt;
          end
        end
      end
      FPkt: begin
        if (rd_valid_i) begin
          f_beat_d = f_beat_q + 10'd1;
          if (rd_last_i) begin
            f_fill = 1'b1;
            f_pre = rd_err_i ? PreStatus : PreOk;
            f_pre_st = rd_err_i ? StatusDmaError : StatusOk;
            f_state_d = FIdle;
          end
        end
      end
      default: f_state_d = FIdle;
    endcase
  end

  // Packet buffers: written from the DMA read stream.
  always_ff @(posedge clk_i) begin
    if (f_state_q == FPkt && rd_valid_i) begin
      pbuf_q[(f_slot_q ? 11'(PbufBeats) : 11'd0) + {1'b0, f_beat_q}] <= rd_data_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_state_q <= FIdle;
      f_beat_q <= 10'd0;
      f_q_q <= 3'd0;
      f_epoch_q <= 4'd0;
      f_slot_q <= 1'b0;
      p_slot_q <= 1'b0;
      svalid_q <= 2'b00;
      sfeed_q <= 2'b00;
      feed_slot_q <= 1'b0;
      flush_q <= 8'd0;
      for (int b = 0; b < 2; b++) begin
        shdr_q[b] <= '0;
        sdesc_q[b] <= 256'd0;
        spre_q[b] <= PreOk;
        spre_st_q[b] <= 4'd0;
        sq_q[b] <= 3'd0;
        sepoch_q[b] <= 4'd0;
      end
      for (int q = 0; q < 8; q++) flush_epoch_q[q] <= 4'd0;
    end else begin
      f_state_q <= f_state_d;
      f_beat_q <= f_beat_d;
      f_q_q <= f_q_d;
      f_epoch_q <= f_epoch_d;
      if (f_state_q == FIdle && f_state_d == FDesc) begin
        sq_q[f_slot_q] <= f_q_d;
        sepoch_q[f_slot_q] <= f_epoch_d;
      end
      if (f_state_q == FDesc && rd_valid_i) begin
        sdesc_q[f_slot_q] <= f_beat_q[0] ? {sdesc_q[f_slot_q][255:128], rd_data_i}
                                         : {rd_data_i, sdesc_q[f_slot_q][127:0]};
      end
      if (f_state_q == FPkt && rd_valid_i && 32'(f_beat_q) < HdrBeats) begin
        shdr_q[f_slot_q][8*16*HdrBeats-1 - 128 * 32'(f_beat_q) -: 128] <= rd_data_i;
      end
      if (f_fill) begin
        spre_q[f_slot_q] <= f_pre;
        spre_st_q[f_slot_q] <= f_pre_st;
        svalid_q[f_slot_q] <= 1'b1;
        f_slot_q <= !f_slot_q;
      end
      // A slot is refilled once the front has handed its packet on and the feeder has sent
      // its last beat.
      if (hand) begin
        svalid_q[p_slot_q] <= 1'b0;
        p_slot_q <= !p_slot_q;
      end
      if (feed_start) begin
        feed_slot_q <= p_slot_q;
        sfeed_q[p_slot_q] <= 1'b1;
      end
      if (feed_last) sfeed_q[feed_slot_q] <= 1'b0;
      // A completion write failed: the queue's packets fetched meanwhile are dropped. The queue
      // is stopped, so its next successful fetch comes after a re-enable and ends the drop.
      if (fetch_ok_o) flush_q[f_q_q] <= 1'b0;
      if (stop_o) begin
        flush_q[b_q.q] <= 1'b1;
        flush_epoch_q[b_q.q] <= b_q.epoch;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      status_q <= 4'd0;
      seq_q <= 64'd0;
      slot_q <= '0;
      cfg_q <= '0;
      st_q <= sa_state_empty();
      acct_q <= 1'b0;
      ev_seq_q <= 1'b0;
      bytes_q <= 64'd0;
      job_q <= '0;
      lane_q <= 1'b0;
      bstate_q <= BIdle;
      b_q <= '0;
      b_valid_q <= 1'b0;
      b_cfg_q <= '0;
      b_st_q <= sa_state_empty();
      b_drop_q <= 1'b0;
      b_status_q <= 4'd0;
      b_out_len_q <= 16'd0;
      b_ev_soft_q <= 1'b0;
      b_ev_hard_q <= 1'b0;
      res_q <= '0;
      write_out_q <= 1'b0;
      out_left_q <= 10'd0;
      feed_idx_q <= 10'd0;
      feed_left_q <= 10'd0;
      feed_rem_q <= 16'd0;
      dma_err_q <= 1'b0;
    end else begin
      state_q <= state_d;
      status_q <= status_d;
      seq_q <= seq_d;
      slot_q <= slot_d;
      cfg_q <= cfg_d;
      st_q <= st_d;
      acct_q <= acct_d;
      ev_seq_q <= ev_seq_d;
      bytes_q <= bytes_d;
      job_q <= job_d;
      lane_q <= lane_d;
      bstate_q <= bstate_d;
      b_q <= b_d;
      if (hand) begin
        b_valid_q <= 1'b1;
        b_cfg_q <= cfg_q;
        b_st_q <= st_q;
      end else begin
        if (b_done) b_valid_q <= 1'b0;
        b_st_q <= b_st_d;
      end
      b_drop_q <= b_drop_d;
      b_status_q <= b_status_d;
      b_out_len_q <= b_out_len_d;
      b_ev_soft_q <= b_ev_soft_d;
      b_ev_hard_q <= b_ev_hard_d;
      res_q <= res_d;
      write_out_q <= write_out_d;
      out_left_q <= out_left_d;
      feed_idx_q <= feed_idx_d;
      feed_left_q <= feed_left_d;
      feed_rem_q <= feed_rem_d;
      dma_err_q <= dma_err_d;
    end
  end

  `ASSERT_INIT(SlotsLegal_A, Slots >= 4 && (Slots & (Slots - 1)) == 0)
  `ASSERT(OutOnlyWhenExpected_A, out_valid_i && out_ready_o |-> out_left_q != 10'd0)
  `ASSERT(OutLastAgrees_A, out_valid_i && out_ready_o |-> out_last_i == (out_left_q == 10'd1))

endmodule
