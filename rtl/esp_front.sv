// esp_front: the packet engine's front (part of esp_engine; doc: rtl/doc/esp_engine.md). For
// the fetcher's oldest slot, in fetch order: classifies the packet (the front-end checks of
// esp_lane_pkg.sv in hw/model/esp.cc's order), takes the SA's sequence number (encap) or
// pre-checks the replay window (decap), dispatches the job to a lane and starts the feeder,
// then hands one record (esp_engine_pkg::back_t, with the SA's cfg and state) to the back.
// It never writes SA state: when the back holds a packet of the same SA not yet done (haz_i
// for slot_o) it waits for it to leave and reads the SA again, unless (encap) the back can
// forward the state after its youngest such packet (fwd_i, fwd_st_i): the front hands every
// record whose status it already knows with the SA state after it (hand_post_o).
//
// Order of checks (hw/model/device_model.cc ExecuteEncap, ExecuteDecap):
//   encap: slot invalid / inbound / hard limit hit -> SA_EXPIRED; inner IPv4 -> MALFORMED;
//     exhausted -> SEQ_OVERFLOW; output > out_cap -> NO_SPACE; output > 65535 -> MALFORMED;
//     then the sequence number and IP id are taken and the job goes to the lane.
//   decap: LocateEsp -> MALFORMED; SPI in the bucket's ways -> UNKNOWN_SPI; hard limit ->
//     SA_EXPIRED; ESP shorter than the SA's ICV allows -> MALFORMED; replay pre-check -> REPLAY.
//
// Byte order: the header s_hdr_i holds the packet's first bytes, byte 0 in the top bits; the
// descriptor s_desc_i has byte 0 in [255:248].
module esp_front
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;
  import esp_lane_pkg::*;
  import esp_engine_pkg::*;
#(
  parameter int unsigned Slots = 1024,
  parameter int unsigned HdrBeats = 6,
  localparam int unsigned SlotW = $clog2(Slots),
  localparam int unsigned HdrW = 8 * 16 * HdrBeats
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // The fetcher's oldest slot.
  input  logic              s_valid_i,
  input  pre_e              s_pre_i,
  input  logic [3:0]        s_pre_st_i,
  input  logic [255:0]      s_desc_i,
  input  logic [HdrW-1:0]   s_hdr_i,
  input  logic [2:0]        s_q_i,
  input  logic [3:0]        s_epoch_i,
  // SA table read.
  output logic              sa_rd_o,
  output logic [SlotW-1:0]  sa_rd_slot_o,
  input  logic              sa_rd_valid_i,
  input  sa_cfg_t           sa_rd_cfg_i,
  input  sa_state_t         sa_rd_st_i,
  // Replay pre-check.
  output logic              rp_chk_valid_o,
  input  logic              rp_chk_ready_i,
  output logic [SlotW-1:0]  rp_chk_slot_o,
  output logic [31:0]       rp_chk_seq_lo_o,
  input  logic              rp_chk_done_i,
  input  logic              rp_chk_ok_i,
  input  logic [63:0]       rp_chk_seq_i,
  // Lane job and the feeder.
  output logic              job_valid_o,
  input  logic              job_ready_i,
  output lane_job_t         job_o,
  input  logic              feed_busy_i,
  output logic              feed_start_o,
  // The back: room for a record, the hazard on slot_o, the hand-over.
  input  logic              rec_ready_i,
  output logic [SlotW-1:0]  slot_o,           // the SA slot the front reads
  input  logic              haz_i,            // the back holds a packet accounted to slot_o
  input  logic              fwd_i,            // ... and has the SA's state after it (encap)
  input  sa_state_t         fwd_st_i,
  output logic              hand_o,           // record to the back, slot to the fetcher
  output back_t             hand_rec_o,
  output sa_cfg_t           hand_cfg_o,
  output sa_state_t         hand_st_o,
  output sa_state_t         hand_post_o,      // the SA's state after this packet ...
  output logic              hand_post_ok_o,   // ... known (the status is final here)
  output logic              busy_o
);
  typedef enum logic [3:0] {
    StIdle,
    StWay0,
    StWay1Wait,
    StSaWait,
    StDecChk,
    StRpChk,
    StJob,
    StHazard,
    StHand
  } state_e;
  state_e state_q, state_d;

  localparam int unsigned MaxLen = (1 << LenW) - 1;

  logic [3:0]       status_q, status_d;
  logic [63:0]      seq_q, seq_d;      // completion seq
  logic [SlotW-1:0] slot_q, slot_d;
  sa_cfg_t          cfg_q, cfg_d;
  sa_state_t        st_q, st_d;
  logic             acct_q, acct_d;    // the packet is accounted to slot_q
  logic             ev_seq_q, ev_seq_d;
  logic [63:0]      bytes_q, bytes_d;  // lifetime bytes of an OK packet
  lane_job_t        job_q, job_d;
  logic             lane_q, lane_d;    // the packet went to the lane

  // ------------------------------------------------------------------- descriptor fields
  logic [7:0]  d_opcode, d_flags;
  logic [15:0] d_sa, d_in_len, d_out_cap;
  logic [31:0] d_cookie;
  logic [63:0] d_out_addr;
  logic        unused_d_sa;
  assign unused_d_sa = ^d_sa[15:SlotW];
  always_comb begin
    d_opcode = desc_byte(s_desc_i, 0);
    d_flags = desc_byte(s_desc_i, 1);
    d_sa = {desc_byte(s_desc_i, 3), desc_byte(s_desc_i, 2)};
    d_cookie = {desc_byte(s_desc_i, 7), desc_byte(s_desc_i, 6), desc_byte(s_desc_i, 5),
                desc_byte(s_desc_i, 4)};
    for (int i = 0; i < 8; i++) begin
      d_out_addr[8 * i +: 8] = desc_byte(s_desc_i, 16 + i);
    end
    d_in_len = {desc_byte(s_desc_i, 25), desc_byte(s_desc_i, 24)};
    d_out_cap = {desc_byte(s_desc_i, 27), desc_byte(s_desc_i, 26)};
  end
  logic d_encap, d_xiv;
  logic [15:0] d_iv_len;
  assign d_encap = d_opcode == OpcodeEncap;
  assign d_xiv = d_flags[SQ_DESC_FLAGS_EXPLICIT_IV_BIT];
  assign d_iv_len = d_xiv ? 16'd8 : 16'd0;

  // ------------------------------------------------------------------------- classifier
  function automatic logic [7:0] hb(logic [HdrW-1:0] h, logic [6:0] i);
    return h[HdrW-1 - 8 * 32'(i) -: 8];
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
  assign ip_b0 = hb(s_hdr_i, po);
  assign hlen = {1'b0, ip_b0[3:0], 2'b00};
  assign ip_total = {hb(s_hdr_i, po + 7'd2), hb(s_hdr_i, po + 7'd3)};
  assign ip_frag = {hb(s_hdr_i, 7'd6), hb(s_hdr_i, 7'd7)};
  assign ip_proto = hb(s_hdr_i, 7'd9);
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
  assign udp_dport = {hb(s_hdr_i, hlen + 7'd2), hb(s_hdr_i, hlen + 7'd3)};
  assign udp_len = {hb(s_hdr_i, hlen + 7'd4), hb(s_hdr_i, hlen + 7'd5)};
  assign esp_off = hlen + (udp ? 7'd8 : 7'd0);
  assign esp_len = ip_total - {9'd0, esp_off};
  assign spi = {hb(s_hdr_i, esp_off), hb(s_hdr_i, esp_off + 7'd1), hb(s_hdr_i, esp_off + 7'd2),
                hb(s_hdr_i, esp_off + 7'd3)};
  assign seq_lo = {hb(s_hdr_i, esp_off + 7'd4), hb(s_hdr_i, esp_off + 7'd5),
                   hb(s_hdr_i, esp_off + 7'd6), hb(s_hdr_i, esp_off + 7'd7)};
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
  // The SA read back from a way is the packet's inbound SA (full SPI check).
  logic way_hit;
  assign way_hit = sa_rd_valid_i && sa_rd_cfg_i.dir_in && sa_rd_cfg_i.spi == spi;

  // ICV bytes of the SA read.
  function automatic logic [4:0] icv_bytes(logic [1:0] icv);
    unique case (icv)
      IcvLenIcv12: return 5'd12;
      IcvLenIcv8:  return 5'd8;
      default:     return 5'd16;
    endcase
  endfunction

  // The SA the checks and the job use: the table's (or forwarded) read in StSaWait (encap: the
  // checks and the dispatch happen in the clock the read data arrives), else the registered one.
  sa_cfg_t ccfg;
  assign ccfg = (state_q == StSaWait) ? sa_rd_cfg_i : cfg_q;

  // Encap output size (EspEncap).
  logic [15:0] payload, ct_len;
  logic [1:0]  pad;
  logic [16:0] enc_total;
  always_comb begin
    payload = ccfg.tunnel ? ip_total : ip_total - {9'd0, hlen};
    pad = 2'(-(payload + 16'd2));
    ct_len = payload + {14'd0, pad} + 16'd2;
    enc_total = {1'b0, ct_len} + 17'd16 + {12'd0, icv_bytes(ccfg.icv)} +
                (ccfg.tunnel ? 17'd20 : {10'd0, hlen}) + (ccfg.natt ? 17'd8 : 17'd0);
  end

  logic [63:0] max_seq;
  assign max_seq = ccfg.esn ? 64'hffff_ffff_ffff_ffff : 64'h0000_0000_ffff_ffff;

  function automatic logic [LenW-1:0] clamp_len(logic [15:0] v);
    return (32'(v) > MaxLen) ? LenW'(MaxLen) : v[LenW-1:0];
  endfunction

  // The SA fields a lane needs (esp_lane_pkg lane_sa_t).
  lane_sa_t cur_sa;
  always_comb begin
    cur_sa.aes256 = ccfg.aes256;
    cur_sa.tunnel = ccfg.tunnel;
    cur_sa.natt = ccfg.natt;
    cur_sa.esn = ccfg.esn;
    cur_sa.icv = ccfg.icv;
    cur_sa.spi = ccfg.spi;
    cur_sa.salt = ccfg.salt;
    cur_sa.tun_src = ccfg.tun_src;
    cur_sa.tun_dst = ccfg.tun_dst;
    cur_sa.sport = ccfg.sport;
    cur_sa.dport = ccfg.dport;
  end
  logic unused_cfg;
  assign unused_cfg = ^{ccfg.window, ccfg.dir_in, ccfg.soft_bytes, ccfg.hard_bytes, ccfg.soft_pkts,
                        ccfg.hard_pkts};

  logic hazard;  // the back holds a packet of slot_q not yet done
  assign hazard = haz_i;
  assign slot_o = slot_q;

  // ----------------------------------------------------------------------- the record
  // From the FSM's next values: the record may be handed in the clock its checks and job are
  // done (in StHand the next values are the registered ones).
  always_comb begin
    hand_rec_o = '0;
    hand_rec_o.kind = (s_pre_i == PreFetchErr) ? KFetchErr : KPacket;
    hand_rec_o.lane = lane_d;
    hand_rec_o.decap = job_d.decap;
    hand_rec_o.encap_op = d_encap;
    hand_rec_o.status = status_d;
    hand_rec_o.seq = seq_d;
    hand_rec_o.slot = 16'(slot_d);
    hand_rec_o.acct = acct_d;
    hand_rec_o.ev_seq = ev_seq_d;
    hand_rec_o.bytes = bytes_d;
    hand_rec_o.cookie = d_cookie;
    hand_rec_o.out_addr = d_out_addr;
    hand_rec_o.irq = d_flags[SQ_DESC_FLAGS_IRQ_BIT];
    hand_rec_o.q = s_q_i;
    hand_rec_o.epoch = s_epoch_i;
  end
  assign hand_cfg_o = cfg_d;
  assign hand_st_o = st_d;
  // A decap packet sent to a lane gets its final status in the back (ICV, replay commit).
  acct_t post;
  assign post = sa_account(st_d, '{soft_bytes: cfg_d.soft_bytes, hard_bytes: cfg_d.hard_bytes,
                                   soft_pkts: cfg_d.soft_pkts, hard_pkts: cfg_d.hard_pkts},
                           status_d, bytes_d);
  assign hand_post_o = post.st;
  assign hand_post_ok_o = !(lane_d && job_d.decap);
  logic unused_post;
  assign unused_post = ^{post.ev_soft, post.ev_hard};

  // ------------------------------------------------------------------------------- FSM
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
    feed_start_o = 1'b0;
    job_valid_o = 1'b0;
    sa_rd_o = 1'b0;
    sa_rd_slot_o = slot_q;
    hand_o = 1'b0;
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
        if (s_valid_i) begin
          if (s_pre_i == PreFetchErr) begin
            state_d = StHand;
          end else if (s_pre_i == PreStatus) begin
            status_d = s_pre_st_i;
            state_d = StHand;
          end else if (d_encap) begin
            sa_rd_o = 1'b1;
            sa_rd_slot_o = d_sa[SlotW-1:0];
            state_d = StSaWait;
          end else if (!loc_ok) begin
            status_d = StatusMalformed;
            state_d = StHand;
          end else begin
            sa_rd_o = 1'b1;
            sa_rd_slot_o = way0;
            slot_d = way0;
            state_d = StWay0;
          end
        end
      end
      StSaWait: begin
        // The SA read (or the back's state after its last packet of this SA), the checks and,
        // when the lane and the feeder are free, the job and the hand-over, all in this clock.
        cfg_d = sa_rd_cfg_i;
        st_d = fwd_i ? fwd_st_i : sa_rd_st_i;
        acct_d = sa_rd_valid_i;
        if (hazard && !fwd_i) begin
          state_d = StHazard;
        end else if (!sa_rd_valid_i || sa_rd_cfg_i.dir_in || st_d.hard_hit) begin
          status_d = StatusSaExpired;
          state_d = StHand;
        end else begin
          // EspEncap's checks; the lifetime bytes of the packet from here on.
          bytes_d = {48'd0, ip_total};
          state_d = StHand;
          if (!ip_ok) begin
            status_d = StatusMalformed;
          end else if (st_d.seq_exhausted || st_d.next_seq > max_seq) begin
            status_d = StatusSeqOverflow;
            st_d.seq_exhausted = 1'b1;
          end else if (enc_total > {1'b0, d_out_cap}) begin
            status_d = StatusNoSpace;
          end else if (enc_total > 17'hffff) begin
            status_d = StatusMalformed;
          end else begin
            // Take the sequence number and the IP id: only packets that are sent do.
            seq_d = st_d.next_seq;
            job_d = '0;
            job_d.decap = 1'b0;
            job_d.slot = 16'(slot_q);
            job_d.sa = cur_sa;
            job_d.seq = st_d.next_seq;
            job_d.explicit_iv = d_xiv;
            job_d.ip_id = st_d.ip_id;
            job_d.in_len = LenW'({9'd0, po} + ip_total);
            job_d.out_cap = clamp_len(d_out_cap);
            if (st_d.next_seq == max_seq) begin
              st_d.seq_exhausted = 1'b1;
              ev_seq_d = 1'b1;
            end else begin
              st_d.next_seq = st_d.next_seq + 64'd1;
            end
            if (sa_rd_cfg_i.tunnel) st_d.ip_id = st_d.ip_id + 16'd1;
            state_d = StJob;
          end
        end
      end
      StHazard: begin
        // Wait for the back to write the SA's state, then read it again.
        if (!hazard) begin
          sa_rd_o = 1'b1;
          state_d = d_encap ? StSaWait : StWay1Wait;
        end
      end
      StWay0: begin
        cfg_d = sa_rd_cfg_i;
        st_d = sa_rd_st_i;
        if (way_hit) begin
          acct_d = 1'b1;
          state_d = hazard ? StHazard : StDecChk;
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
        if (way_hit) begin
          acct_d = 1'b1;
          state_d = hazard ? StHazard : StDecChk;
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
      StJob, StHand: ;  // below
      default: state_d = StIdle;
    endcase
    // The job goes to the lane (and the feeder starts) in the clock it is formed, or as soon
    // as the lane and the feeder are free.
    if (state_d == StJob) begin
      job_valid_o = !feed_busy_i;
      if (job_valid_o && job_ready_i) begin
        feed_start_o = 1'b1;
        lane_d = 1'b1;
        state_d = StHand;
      end
    end
    // The record goes to the back in the clock it is final (the feeder may still read the
    // slot), but not in the clock a slot is first presented (a pre-status slot is handed the
    // clock after).
    if (state_q != StIdle && state_d == StHand && rec_ready_i) begin
      hand_o = 1'b1;
      state_d = StIdle;
    end
  end

  // Replay pre-check request, outside the FSM's block (the replay unit's ready depends on it).
  assign rp_chk_valid_o = state_q == StDecChk && !st_q.hard_hit &&
                          esp_len >= 16'd18 + {11'd0, icv_bytes(cfg_q.icv)};
  assign rp_chk_slot_o = slot_q;
  assign rp_chk_seq_lo_o = seq_lo;
  assign job_o = job_d;
  assign busy_o = state_q != StIdle;

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
    end
  end

endmodule
