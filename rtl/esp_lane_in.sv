// esp_lane_in: the input side of an ESP lane. Takes jobs and in beats (esp_lane_pkg), parses
// the header bytes it needs, and feeds esp_gcm one message per packet: the AAD beat (SPI ||
// seq, RFC 4106 section 5) with nonce salt || IV, then the payload beats realigned from the
// input byte positions to 16-byte GCM blocks (encap: inner packet or transport payload, then
// pad 1,2,3.., pad length, next header; decap: the ciphertext, and the ICV as the tag on the
// last beat). One info_t per packet goes to the output side (esp_lane_out) with the AAD beat.
//
// Byte order: byte 0 of a beat in [127:120] (esp_lane_pkg). Spec: RFC 4303 section 2 (ESP
// layout), RFC 4106 (GCM in ESP), RFC 6040 (ECN), RFC 3948 (UDP encapsulation), RFC 1071.
// Full description: rtl/doc/esp_lane.md.
//
// How the bytes move: the last two input beats sit in a window {prev_q, cur_q}. Each packet is
// a sequence of steps (AAD, payload beats 0..n-1; for decap the last payload beat is the tag
// step: its ciphertext is captured into hold_q beside the other steps as soon as it is in the
// window, and it issues with the ICV as tag); a step that needs input bytes issues once the
// beat holding its last byte is in the window, extracting 16 bytes at any offset of it. A new
// beat enters the window only when the bytes it pushes out are no longer needed: one beat in and
// one GCM beat out per clock, across packets (the next packet's first beat enters in the clock
// its predecessor issues its last step).
module esp_lane_in
  import esp_lane_pkg::*;
  import esp_lane_util_pkg::*;
#(
  parameter int unsigned SlotW = 10
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  // Jobs.
  input  logic              job_valid_i,
  output logic              job_ready_o,
  input  lane_job_t         job_i,
  // In beats (keep and last are implied by job.in_len).
  input  logic              in_valid_i,
  output logic              in_ready_o,
  input  logic [127:0]      in_data_i,
  input  logic [15:0]       in_keep_i,   // checked by assertions only
  input  logic              in_last_i,   // checked by assertions only
  // To esp_gcm.
  output logic              g_valid_o,
  input  logic              g_ready_i,
  output logic [127:0]      g_data_o,
  output logic [15:0]       g_keep_o,
  output logic              g_last_o,
  output logic [SlotW-1:0]  g_kid_o,
  output logic [95:0]       g_iv_o,
  output logic [3:0]        g_alen_o,
  output logic [LenW-1:0]   g_plen_o,
  output logic              g_dec_o,
  output logic [127:0]      g_tag_o,
  output logic [4:0]        g_tag_len_o,  // ICV bytes (16, 12 or 8), with g_tag_o
  // Per-packet info to the output side.
  output logic              info_valid_o,
  input  logic              info_ready_i,
  output info_t             info_o
);

  `include "prim_assert.svh"

  localparam int unsigned PosW = LenW + 3;  // signed byte positions, -32 .. 2^(LenW+2)-1
  localparam int unsigned NbW  = LenW - 3;  // beat counts up to ceil((2^LenW - 1) / 16)
  typedef logic signed [PosW-1:0] pos_t;

  typedef enum logic [2:0] {
    StHdr,   // collecting header bytes; then the AAD beat
    StPay,   // payload beats
    StTag,   // decap: last beat (held ciphertext) with the ICV as tag
    StDone   // all GCM beats issued; draining the rest of the input beats
  } step_e;

  localparam pos_t PosInf = {1'b0, {(PosW - 1){1'b1}}};

  function automatic pos_t p16(logic [NbW-1:0] n);
    p16 = pos_t'({n, 4'b0000});
  endfunction

  // ---------------------------------------------------------------------------------------
  // Job FIFO (2 entries) and current job
  // ---------------------------------------------------------------------------------------
  lane_job_t       jf_q [2];
  logic [1:0]      jf_cnt_q, jf_cnt_d;
  logic            jf_rd_q, jf_rd_d, jf_wr_q, jf_wr_d;
  logic            jf_pop, jf_push;
  lane_job_t       jf_head;

  assign job_ready_o = (jf_cnt_q != 2'd2);
  assign jf_push     = job_valid_i && job_ready_o;
  assign jf_head     = jf_q[jf_rd_q];

  // ---------------------------------------------------------------------------------------
  // Packet state
  // ---------------------------------------------------------------------------------------
  logic             act_q, act_d;
  lane_job_t        job_q, job_d;
  logic [NbW-1:0]   nin_q, nin_d, nb_q, nb_d;  // beats taken / beats of the packet
  logic [127:0]     prev_q, prev_d, cur_q, cur_d, hold_q, hold_d;
  logic             hok_q, hok_d;              // decap: hold_q has the last ciphertext beat
  pos_t             slast_q, slast_d;          // decap: start of the last ciphertext beat
  logic [HdrW-1:0]  hb_q, hb_d;                // input beats 0..5 as received
  step_e            st_q, st_d;
  pos_t             sj_q, sj_d;                // start of the current payload step's bytes
  pos_t             rem_q, rem_d;              // ciphertext bytes from the current step on
  pos_t             dl_q, dl_d;                // encap: data bytes from the current step on
  pos_t             tagpos_q, tagpos_d;        // decap: position of the ICV
  logic [39:0]      trl_q, trl_d;              // encap trailer: pad 1,2,.., pad length, next
                                               // header, left-aligned, zeros after

  // ---------------------------------------------------------------------------------------
  // Header parse (from hb_q, the job and the window)
  // ---------------------------------------------------------------------------------------
  logic [HdrW-1:0]  ib;                 // encap: inner packet bytes (explicit IV skipped)
  logic [7:0]       i_tos, i_proto;
  logic             i_df;
  logic [6:0]       i_ihl4, o_ihl4;
  logic [15:0]      i_tot, o_tot;
  logic [4:0]       icvb;
  pos_t             need, off, plen, clen, esp_len;
  logic [1:0]       pad;
  logic [7:0]       nh;
  logic             hdr_ok;
  logic [63:0]      iv;
  logic [6:0]       ip_len, hlen;
  logic [15:0]      tot16, udp_len, csum;
  logic [HdrW-1:0]  iphdr, ext, ohdr;
  logic [21:0]      hsum;
  logic [15:0]      hsum_f;
  logic [127:0]     aad;
  info_t            info;
  pos_t             wbase;

  function automatic logic [7:0] byte_at(logic [HdrW-1:0] v, int unsigned i);
    byte_at = v[HdrW - 1 - 8 * i -: 8];
  endfunction

  // Sum of the 16-bit words of the first `len` bytes of an IPv4 header, leaving out total
  // length (word 1), the protocol byte and the checksum (word 5).
  function automatic logic [21:0] hdr_words(logic [HdrW-1:0] h, logic [5:0] nwords);
    logic [21:0] s;
    s = '0;
    for (int w = 0; w < 30; w++) begin
      if (6'(w) < nwords && w != 1 && w != 5) begin
        if (w == 4) begin
          s = s + {6'd0, h[HdrW - 1 - 16 * w -: 8], 8'd0};
        end else begin
          s = s + {6'd0, h[HdrW - 1 - 16 * w -: 16]};
        end
      end
    end
    hdr_words = s;
  endfunction

  function automatic logic [15:0] fold22(logic [21:0] s);
    logic [16:0] t;
    t = {11'd0, s[21:16]} + {1'b0, s[15:0]};
    fold22 = t[15:0] + {15'd0, t[16]};
  endfunction

  logic [127:0] iv_win;  // [63:0]: the 8 bytes after the IV, unused
  logic [63:0]  iv_enc;

  // Window position and the decap IV (from the window), apart from the header parse below, so
  // that the parse (a function of hb_q and the job only) is evaluated only when they change.
  always_comb begin
    wbase  = p16(nin_q) - pos_t'(32);
    iv_win = window16(prev_q, cur_q, 5'(pos_t'(job_q.esp_off) + pos_t'(8) - wbase));
    iv     = job_q.decap ? iv_win[127:64] : iv_enc;
    hdr_ok = (nin_q != '0) && (p16(nin_q) >= need || nin_q == nb_q);
  end

  always_comb begin
    ib     = job_q.explicit_iv ? (hb_q << 64) : hb_q;
    i_tos   = byte_at(ib, 1);
    i_tot   = {byte_at(ib, 2), byte_at(ib, 3)};
    i_df    = ib[HdrW - 1 - 49];  // DF: bit 6 of byte 6
    i_proto = byte_at(ib, 9);
    i_ihl4  = {1'b0, ib[HdrW-5 -: 4], 2'b00};
    o_ihl4  = {1'b0, hb_q[HdrW-5 -: 4], 2'b00};
    o_tot  = {byte_at(hb_q, 2), byte_at(hb_q, 3)};
    unique case (job_q.sa.icv)
      2'd1:    icvb = 5'd12;
      2'd2:    icvb = 5'd8;
      default: icvb = 5'd16;
    endcase

    // Lengths (RFC 4303 section 2.4: pad to a multiple of 4 with the 2-byte trailer).
    if (!job_q.decap) begin
      need    = pos_t'(job_q.explicit_iv ? 8 : 0) +
                (job_q.sa.tunnel ? pos_t'(8) : pos_t'(i_ihl4));
      off     = pos_t'(job_q.explicit_iv ? 8 : 0) +
                (job_q.sa.tunnel ? pos_t'(0) : pos_t'(i_ihl4));
      plen    = pos_t'(i_tot) - (job_q.sa.tunnel ? pos_t'(0) : pos_t'(i_ihl4));
      pad     = 2'(pos_t'(2) - plen);
      clen    = plen + pos_t'(pad) + pos_t'(2);
      nh      = job_q.sa.tunnel ? 8'd4 : i_proto;
      esp_len = pos_t'(16) + clen + pos_t'(icvb);
    end else begin
      need    = pos_t'(job_q.esp_off) + pos_t'(16);
      off     = need;
      plen    = '0;
      pad     = 2'd0;
      esp_len = pos_t'(o_tot) - pos_t'(job_q.esp_off);
      clen    = esp_len - pos_t'(16) - pos_t'(icvb);
      nh      = 8'd0;
    end

    // Encap IV: explicit (the first 8 input bytes) or the sequence number.
    if (job_q.explicit_iv) begin
      iv_enc = hb_q[HdrW-1 -: 64];
    end else begin
      iv_enc = job_q.seq;
    end

    // Encap output header: IPv4 (tunnel: new; transport: the inner one), UDP, SPI, seq, IV.
    ip_len  = job_q.sa.tunnel ? 7'd20 : i_ihl4;
    hlen    = ip_len + (job_q.sa.natt ? 7'd8 : 7'd0) + 7'd16;
    tot16   = 16'(pos_t'(ip_len) + (job_q.sa.natt ? pos_t'(8) : pos_t'(0)) + esp_len);
    udp_len = 16'(pos_t'(8) + esp_len);
    iphdr   = '0;
    if (job_q.sa.tunnel) begin
      iphdr[HdrW-1 -: 160] = {8'h45, i_tos[7:2], (i_tos[1:0] == 2'b11) ? 2'b10 : i_tos[1:0],
                              16'h0, job_q.ip_id, 1'b0, i_df, 14'h0, 8'd64, 8'd0, 16'h0,
                              job_q.sa.tun_src, job_q.sa.tun_dst};
    end else begin
      iphdr[HdrW-1 -: 480] = ib[HdrW-1 -: 480] & ~({480{1'b1}} >> {i_ihl4, 3'b000});
    end
    hsum   = hdr_words(iphdr, ip_len[6:1]) + {6'd0, tot16} +
             {14'd0, job_q.sa.natt ? 8'd17 : 8'd50};
    csum   = ~fold22(hsum);
    iphdr[HdrW-1-16 -: 16] = tot16;
    iphdr[HdrW-1-72 -: 8]  = job_q.sa.natt ? 8'd17 : 8'd50;
    iphdr[HdrW-1-80 -: 16] = csum;
    ext = '0;
    if (job_q.sa.natt) begin
      ext[HdrW-1 -: 192] = {job_q.sa.sport, job_q.sa.dport, udp_len, 16'h0, job_q.sa.spi,
                            job_q.seq[31:0], iv_enc};
    end else begin
      ext[HdrW-1 -: 128] = {job_q.sa.spi, job_q.seq[31:0], iv_enc};
    end
    ohdr = iphdr | (ext >> {ip_len, 3'b000});

    // Decap transport: the outer header as received, and its partial checksum.
    hsum_f = fold22(hdr_words(hb_q, o_ihl4[6:1]));

    aad = job_q.sa.esn ? {job_q.sa.spi, job_q.seq, 32'h0} :
                         {job_q.sa.spi, job_q.seq[31:0], 64'h0};

    info           = '0;
    info.decap     = job_q.decap;
    info.tunnel    = job_q.sa.tunnel;
    info.icv       = icvb;
    info.clen      = LenW'(clen);
    info.out_cap   = job_q.out_cap;
    if (job_q.decap) begin
      info.hdr       = hb_q & ~({HdrW{1'b1}} >> {o_ihl4, 3'b000});
      info.hlen      = job_q.sa.tunnel ? 7'd0 : o_ihl4;
      info.csum_part = hsum_f;
    end else begin
      info.hdr       = ohdr;
      info.hlen      = hlen;
      info.inner_len = LenW'(i_tot);
    end
  end

  // ---------------------------------------------------------------------------------------
  // Steps
  // ---------------------------------------------------------------------------------------
  // GCM message header (sampled on the AAD beat) and tag (on the last beat): registers only,
  // so esp_gcm's in_ready_o never depends on this block's handshake logic.
  assign g_kid_o     = job_q.slot[SlotW-1:0];
  assign g_iv_o      = {job_q.sa.salt[7:0], job_q.sa.salt[15:8], job_q.sa.salt[23:16],
                        job_q.sa.salt[31:24], iv};
  assign g_alen_o    = job_q.sa.esn ? 4'd12 : 4'd8;
  assign g_plen_o    = LenW'(clen);
  assign g_dec_o     = job_q.decap;
  assign g_tag_o     = tag16;
  assign g_tag_len_o = icvb;

  pos_t         nd, lastneed, nxt;
  logic         sat, last_pl, issue, finish, start, shift, win_ok;
  logic [127:0] ext16, tail, tag16, hext;
  logic         hcap, to_tag;
  logic [127:0] dmask;

  always_comb begin
    // Data bytes of this payload step (encap: limited by the data; decap: by the ciphertext).
    nd       = job_q.decap ? rem_q : dl_q;
    nd       = (nd > pos_t'(16)) ? pos_t'(16) : nd;
    last_pl  = (rem_q <= pos_t'(16));
    ext16    = window16(prev_q, cur_q, 5'(sj_q - wbase));
    tag16    = window16(prev_q, cur_q, 5'(tagpos_q - wbase)) & first_mask((LenW + 2)'(icvb));
    dmask    = first_mask((LenW + 2)'(dl_q));
    // Decap: the last ciphertext beat is captured into hold_q as soon as its bytes are in the
    // window, beside whatever step runs; the tag step then sends it with the ICV.
    hext     = window16(prev_q, cur_q, 5'(slast_q - wbase));
    hcap     = act_q && job_q.decap && !hok_q && (st_q == StPay || st_q == StTag) &&
               (tagpos_q - pos_t'(1) < p16(nin_q) || nin_q == nb_q);
    // Decap: the payload step before the last goes on to the tag step.
    to_tag   = job_q.decap && rem_q <= pos_t'(32);
    // Encap trailer bytes (pad 1, 2, 3.., pad length, next header; RFC 4303 2.4, 2.6): the
    // packet's 5-byte trailer pattern placed after the dl_q data bytes of this beat, or its
    // rest when the previous beat held its start.
    if (dl_q >= 0) begin
      tail = 128'({trl_q, 88'h0} >> {dl_q[3:0], 3'b000});
      if (dl_q >= pos_t'(16)) begin
        tail = '0;
      end
    end else begin
      tail = 128'({trl_q, 88'h0} << {(pos_t'(0) - dl_q) & pos_t'(15), 3'b000});
      if (dl_q < -pos_t'(5)) begin
        tail = '0;
      end
    end

    g_valid_o    = 1'b0;
    g_data_o     = '0;
    g_keep_o     = '0;
    g_last_o     = 1'b0;
    info_valid_o = 1'b0;
    info_o       = info;
    lastneed     = '0;
    sat          = 1'b0;
    issue        = 1'b0;
    nxt          = PosInf;

    unique case (st_q)
      StHdr: begin
        g_valid_o    = act_q && hdr_ok && info_ready_i;
        info_valid_o = act_q && hdr_ok && g_ready_i;
        g_data_o     = aad;
        g_keep_o     = job_q.sa.esn ? 16'hfff0 : 16'hff00;
        issue        = act_q && hdr_ok && g_ready_i && info_ready_i;
        // Before the AAD: keep the IV (decap) or the first payload bytes in the window.
        nxt          = !hdr_ok ? PosInf :
                       (issue ? off : (job_q.decap ? pos_t'(job_q.esp_off) + pos_t'(8) : off));
        to_tag       = job_q.decap && clen <= pos_t'(16);
      end
      StPay: begin
        lastneed  = sj_q + nd - pos_t'(1);
        sat       = (nd <= 0) || (lastneed < p16(nin_q)) || (nin_q == nb_q);
        g_data_o  = job_q.decap ? ext16 : ((ext16 & dmask) | tail);
        g_keep_o  = first_bytes((LenW + 2)'(rem_q));
        g_last_o  = last_pl;
        g_valid_o = sat;
        issue     = sat && g_ready_i;
        if (!issue) begin
          nxt = (nd > 0) ? sj_q : PosInf;
        end else if (to_tag) begin
          nxt = (hok_q || hcap) ? tagpos_q : slast_q;
        end else if (last_pl) begin
          nxt = PosInf;
        end else begin
          nxt = (dl_q > pos_t'(16) || job_q.decap) ? sj_q + pos_t'(16) : PosInf;
        end
      end
      StTag: begin
        lastneed  = tagpos_q + pos_t'(icvb) - pos_t'(1);
        sat       = ((lastneed < p16(nin_q)) || (nin_q == nb_q)) && (hok_q || hcap);
        g_valid_o = sat;
        g_data_o  = hok_q ? hold_q : hext;
        g_keep_o  = first_bytes((LenW + 2)'(rem_q));
        g_last_o  = 1'b1;
        issue     = sat && g_ready_i;
        nxt       = issue ? PosInf : ((hok_q || hcap) ? tagpos_q : slast_q);
      end
      default: begin
        issue = 1'b0;
        nxt   = PosInf;
      end
    endcase

    // The packet is finished when every GCM beat is issued and every input beat taken.
    finish = act_q && (st_q == StDone || (issue && (st_q == StTag ||
             (st_q == StPay && last_pl)))) && nin_q == nb_q;
    start  = (!act_q || finish) && jf_cnt_q != 2'd0;
    win_ok = (nin_q < NbW'(2)) || (nxt >= p16(nin_q) - pos_t'(16));
    if (start) begin
      in_ready_o = 1'b1;  // the next packet's first beat (in_len >= 1 always)
    end else begin
      in_ready_o = act_q && !finish && (nin_q != nb_q) && win_ok;
    end
    jf_pop = start;
  end

  // Apart from the step logic above, which then never depends on the top-level inputs.
  assign shift = in_valid_i && in_ready_o;

  // ---------------------------------------------------------------------------------------
  // Next state
  // ---------------------------------------------------------------------------------------
  always_comb begin
    act_d    = act_q;
    job_d    = job_q;
    nin_d    = nin_q;
    nb_d     = nb_q;
    prev_d   = prev_q;
    cur_d    = cur_q;
    hold_d   = hcap ? hext : hold_q;
    hok_d    = hok_q || hcap;
    slast_d  = slast_q;
    hb_d     = hb_q;
    st_d     = st_q;
    sj_d     = sj_q;
    rem_d    = rem_q;
    dl_d     = dl_q;
    tagpos_d = tagpos_q;
    trl_d    = trl_q;
    jf_cnt_d = jf_cnt_q + {1'b0, jf_push} - {1'b0, jf_pop};
    jf_rd_d  = jf_pop ? !jf_rd_q : jf_rd_q;
    jf_wr_d  = jf_push ? !jf_wr_q : jf_wr_q;

    if (issue) begin
      unique case (st_q)
        StHdr: begin
          st_d     = to_tag ? StTag : StPay;
          hok_d    = 1'b0;
          slast_d  = off + ((clen - pos_t'(1)) & ~pos_t'(15));
          sj_d     = off;
          rem_d    = clen;
          dl_d     = plen;
          tagpos_d = off + clen;
          unique case (pad)
            2'd0:    trl_d = {8'd0, nh, 24'd0};
            2'd1:    trl_d = {8'd1, 8'd1, nh, 16'd0};
            2'd2:    trl_d = {8'd1, 8'd2, 8'd2, nh, 8'd0};
            default: trl_d = {8'd1, 8'd2, 8'd3, 8'd3, nh};
          endcase
        end
        StPay: begin
          if (last_pl) begin
            st_d = StDone;
          end else begin
            st_d  = to_tag ? StTag : StPay;
            sj_d  = sj_q + pos_t'(16);
            rem_d = rem_q - pos_t'(16);
            dl_d  = dl_q - pos_t'(16);
          end
        end
        default: begin
          st_d   = StDone;
          hold_d = '0;
        end
      endcase
    end
    if (finish) begin
      act_d = 1'b0;
    end
    if (start) begin
      act_d = 1'b1;
      job_d = jf_head;
      nin_d = '0;
      nb_d  = NbW'(({1'b0, jf_head.in_len} + (LenW + 1)'(15)) >> 4);
      st_d  = StHdr;
    end
    if (shift) begin
      prev_d = cur_q;
      cur_d  = in_data_i;
      nin_d  = (start ? '0 : nin_q) + NbW'(1);
      if (start) begin
        hb_d[HdrW-1 -: 128] = in_data_i;
      end else begin
        for (int b = 0; b < 6; b++) begin
          if (nin_q == NbW'(b)) begin
            hb_d[HdrW - 1 - 128 * b -: 128] = in_data_i;
          end
        end
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (jf_push) begin
      jf_q[jf_wr_q] <= job_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      jf_cnt_q <= '0;
      jf_rd_q  <= 1'b0;
      jf_wr_q  <= 1'b0;
      act_q    <= 1'b0;
      job_q    <= '0;
      nin_q    <= '0;
      nb_q     <= '0;
      prev_q   <= '0;
      cur_q    <= '0;
      hold_q   <= '0;
      hok_q    <= 1'b0;
      slast_q  <= '0;
      hb_q     <= '0;
      st_q     <= StDone;
      sj_q     <= '0;
      rem_q    <= '0;
      dl_q     <= '0;
      tagpos_q <= '0;
      trl_q    <= '0;
    end else begin
      jf_cnt_q <= jf_cnt_d;
      jf_rd_q  <= jf_rd_d;
      jf_wr_q  <= jf_wr_d;
      act_q    <= act_d;
      job_q    <= job_d;
      nin_q    <= nin_d;
      nb_q     <= nb_d;
      prev_q   <= prev_d;
      cur_q    <= cur_d;
      hold_q   <= hold_d;
      hok_q    <= hok_d;
      slast_q  <= slast_d;
      hb_q     <= hb_d;
      st_q     <= st_d;
      sj_q     <= sj_d;
      rem_q    <= rem_d;
      dl_q     <= dl_d;
      tagpos_q <= tagpos_d;
      trl_q    <= trl_d;
    end
  end

  `ASSERT_INIT(SlotWLegal_A, SlotW >= 1 && SlotW <= 16)
  // A step never extracts bytes that have left the window.
  `ASSERT(WindowHolds_A, act_q && st_q == StPay && sat && nd > 0 && nin_q != nb_q |->
          sj_q >= wbase)
  `ASSERT(InLenNonZero_A, start |-> jf_head.in_len != '0)
  // The in stream's framing agrees with job.in_len.
  logic [NbW-1:0]  a_nin, a_nb;
  logic [LenW-1:0] a_len;
  assign a_nin = start ? '0 : nin_q;
  assign a_nb  = start ? NbW'(({1'b0, jf_head.in_len} + (LenW + 1)'(15)) >> 4) : nb_q;
  assign a_len = start ? jf_head.in_len : job_q.in_len;
  `ASSERT(InLastAgrees_A, shift |-> in_last_i == (a_nin + NbW'(1) == a_nb))
  `ASSERT(InKeepAgrees_A, shift |->
          in_keep_i == first_bytes((LenW + 2)'(pos_t'(a_len) - p16(a_nin))))

endmodule
