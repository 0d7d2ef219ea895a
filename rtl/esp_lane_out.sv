// esp_lane_out: the output side of an ESP lane. Writes esp_gcm's output beats (ciphertext or
// plaintext) into a packet ring buffer, decides each packet's result (decap: AUTH_FAIL,
// NO_SPACE, BAD_PAD, MALFORMED in esp.cc's order; transport header restore), then presents the
// results and the output packets in job order: header bytes from registers, body beats from
// the ring realigned by the header length, and (encap) the ICV after the body.
//
// Byte order: byte 0 of a beat in [127:120] (esp_lane_pkg). Spec: RFC 4303 sections 2.4-2.6
// and 3.4.4 (padding, trailer, transport restore), RFC 1071 (checksum). Full description:
// rtl/doc/esp_lane.md.
//
// Structure (all in order, one beat per clock each):
//   post    GCM beat -> ring[wp]; decap trailer and pad check on the fly; at the packet's last
//           beat one done entry (result, header, lengths, ICV, ring start) -> done FIFO
//   result  done FIFO entry -> res_* (may run ahead of the out stream)
//   reader  ring -> prefetch FIFO, the body beats of each entry in turn (1-clock RAM read)
//   output  header / body / ICV bytes -> out_*, after the entry's result was taken
// The ring is a RAM of RingBeats x 128 bits (one write port, one read port); a packet's beats
// stay there until the reader has fetched them, so decap output waits for the verdict.
module esp_lane_out
  import esp_lane_pkg::*;
  import esp_lane_util_pkg::*;
#(
  parameter int unsigned RingBeats = 1184,  // ring buffer depth (2 x 592: two 9216 B packets)
  parameter int unsigned InfoDepth = 8,     // packets between the input side and the post
  parameter int unsigned DoneDepth = 8      // packets between the post and the output
) (
  input  logic           clk_i,
  input  logic           rst_ni,
  // Per-packet info from esp_lane_in.
  input  logic           info_valid_i,
  output logic           info_ready_o,
  input  info_t          info_i,
  // From esp_gcm.
  input  logic           g_valid_i,
  output logic           g_ready_o,
  input  logic [127:0]   g_data_i,
  input  logic           g_last_i,
  input  logic [127:0]   g_tag_i,
  input  logic           g_tag_ok_i,
  // Results and output beats.
  output logic           res_valid_o,
  input  logic           res_ready_i,
  output lane_result_t   res_o,
  output logic           out_valid_o,
  input  logic           out_ready_i,
  output logic [127:0]   out_data_o,
  output logic [15:0]    out_keep_o,
  output logic           out_last_o
);

  `include "prim_assert.svh"

  // ipsec_reg_pkg::status_e values (hw/regmap.toml); esp_lane_test checks them against the
  // generated C++ header.
  localparam logic [3:0] StOk        = 4'd0;
  localparam logic [3:0] StAuthFail  = 4'd3;
  localparam logic [3:0] StBadPad    = 4'd4;
  localparam logic [3:0] StMalformed = 4'd5;
  localparam logic [3:0] StNoSpace   = 4'd10;

  localparam int unsigned RaW  = $clog2(RingBeats);
  localparam int unsigned NbW  = LenW - 3;
  localparam int unsigned IaW  = $clog2(InfoDepth);
  localparam int unsigned DaW  = $clog2(DoneDepth);
  localparam int unsigned PfDepth = 4;
  localparam int unsigned PosW = LenW + 3;
  typedef logic signed [PosW-1:0] pos_t;

  // A done entry in three parts: the result, what the output needs, what the reader needs.
  typedef struct packed {
    logic [LenW-1:0] out_len;
    logic [HdrW-1:0] hdr;
    logic [6:0]      hlen;   // header bytes before the body
    logic [LenW-1:0] blen;   // body bytes (from the ring)
    logic [NbW-1:0]  nbody;  // body beats to read
    logic [127:0]    tag;    // encap: the ICV (first tlen bytes)
    logic [4:0]      tlen;
  } done_t;

  typedef struct packed {
    logic [RaW-1:0]  start;  // ring index of the packet's first beat
    logic [NbW-1:0]  nbody;  // body beats to read
    logic [NbW-1:0]  nring;  // ring beats the packet occupies
  } rdinfo_t;

  function automatic logic [RaW-1:0] ring_inc(logic [RaW-1:0] a);
    ring_inc = (a == RaW'(RingBeats - 1)) ? '0 : a + RaW'(1);
  endfunction

  function automatic logic [7:0] byte_of(logic [127:0] d, logic [3:0] i);
    byte_of = d[127 - 8 * i -: 8];
  endfunction

  // ---------------------------------------------------------------------------------------
  // Info FIFO
  // ---------------------------------------------------------------------------------------
  info_t          if_q [InfoDepth];
  logic [IaW:0]   if_wr_q, if_wr_d, if_rd_q, if_rd_d;
  logic           if_pop;
  info_t          inf;

  assign info_ready_o = (if_wr_q - if_rd_q) != (IaW + 1)'(InfoDepth);
  assign inf          = if_q[if_rd_q[IaW-1:0]];

  always_ff @(posedge clk_i) begin
    if (info_valid_i && info_ready_o) begin
      if_q[if_wr_q[IaW-1:0]] <= info_i;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Post: ring write, decap checks, done entries
  // ---------------------------------------------------------------------------------------
  logic [127:0]   ring_q [RingBeats];
  logic [RaW-1:0] wp_q, wp_d, sp_q, sp_d;   // write pointer; first beat of the packet
  logic [RaW:0]   used_q, used_d;
  logic [NbW-1:0] q_q, q_d;                 // beat of the packet being written
  pos_t           lbrk_q, lbrk_d;           // last position <= C-3 not one above its predecessor
  logic [7:0]     lastb_q, lastb_d;         // last byte of the previous beat
  logic [7:0]     pl_q, pl_d, ve_q, ve_d;   // pad length (C-2); byte C-3
  logic [7:0]     ivihl_q, ivihl_d;         // inner IPv4 version/IHL, total length (tunnel)
  logic [15:0]    itot_q, itot_d;

  done_t          dn_q [DoneDepth];
  lane_result_t   dres_q [DoneDepth];
  rdinfo_t        drd_q [DoneDepth];
  lane_result_t   res_new;
  rdinfo_t        rd_new;
  logic [DaW:0]   dn_wr_q, dn_wr_d, dn_res_q, dn_res_d, dn_rd_q, dn_rd_d, dn_out_q, dn_out_d;
  logic           dn_full, wr, dn_push;
  done_t          dn_new;

  pos_t           qb, cpos, e, plen;
  logic [15:0]    brk;
  logic [127:0]   prevb, succ, diff, nz;
  logic [7:0]     pl, ve, nh, ivihl;
  logic [15:0]    itot, tot16, csum;
  pos_t           lbrk;
  logic           pad_ok, in_ok, nospace;
  logic [RaW:0]   free_n;

  assign dn_full = (dn_wr_q - dn_out_q) == (DaW + 1)'(DoneDepth);

  always_comb begin
    g_ready_o = (used_q != (RaW + 1)'(RingBeats)) && (!g_last_i || !dn_full);
    wr        = g_valid_i && g_ready_o;
    dn_push   = wr && g_last_i;
    if_pop    = dn_push;

    qb   = pos_t'({q_q, 4'b0000});
    cpos = pos_t'(inf.clen);
    e    = cpos - pos_t'(3);
    // Pad check (RFC 4303 2.4: pad bytes 1, 2, 3, ...): a byte at position p <= C-3 "breaks"
    // when it is not its predecessor plus one; the pad is good iff the byte at C-3 equals the
    // pad length and no break lies after the pad's first byte C-2-pad_len.
    // All 16 bytes at once (SWAR): predecessor + 1 per byte, then a per-byte inequality.
    prevb = {lastb_q, g_data_i[127:8]};
    succ  = ((prevb & {16{8'h7f}}) + {16{8'h01}}) ^ (prevb & {16{8'h80}});
    diff  = g_data_i ^ succ;
    nz    = (((diff & {16{8'h7f}}) + {16{8'h7f}}) | diff) & {16{8'h80}};
    for (int i = 0; i < 16; i++) begin
      brk[15 - i] = nz[127 - 8 * i];  // keep order: bit 15 is byte 0
    end
    if (q_q == '0) begin
      brk[15] = 1'b1;  // the first byte has no predecessor
    end
    brk  = brk & first_bytes((LenW + 2)'(e - qb + pos_t'(1)));
    lbrk = lbrk_q;
    for (int i = 0; i < 16; i++) begin
      if (brk[15 - i]) begin
        lbrk = qb + pos_t'(i);
      end
    end
    pl = pl_q;
    ve = ve_q;
    if ((cpos - pos_t'(2)) >= qb && (cpos - pos_t'(2)) < qb + pos_t'(16)) begin
      pl = byte_of(g_data_i, 4'(cpos - pos_t'(2) - qb));
    end
    if (e >= qb && e < qb + pos_t'(16)) begin
      ve = byte_of(g_data_i, 4'(e - qb));
    end
    nh    = byte_of(g_data_i, 4'(cpos - pos_t'(1) - qb));
    ivihl = (q_q == '0) ? byte_of(g_data_i, 4'd0) : ivihl_q;
    itot  = (q_q == '0) ? {byte_of(g_data_i, 4'd2), byte_of(g_data_i, 4'd3)} : itot_q;

    pad_ok  = (pos_t'(pl) + pos_t'(2) <= cpos) &&
              (pl == 8'd0 || (ve == pl && lbrk <= cpos - pos_t'(2) - pos_t'(pl)));
    plen    = cpos - pos_t'(2) - pos_t'(pl);
    in_ok   = nh == 8'd4 && plen >= pos_t'(20) && ivihl[7:4] == 4'd4 && ivihl[3:0] >= 4'd5 &&
              itot >= {10'd0, ivihl[3:0], 2'b00} && pos_t'(itot) == plen;
    nospace = pos_t'(inf.hlen) + cpos > pos_t'(inf.out_cap);
    tot16   = 16'(pos_t'(inf.hlen) + plen);
    csum    = ~csum_add(csum_add(inf.csum_part, tot16), {8'd0, nh});

    dn_new  = '0;
    res_new = '0;
    rd_new  = '0;
    if (!inf.decap) begin
      res_new.status    = StOk;
      res_new.icv_ok    = 1'b0;
      res_new.out_len   = LenW'(inf.hlen) + inf.clen + LenW'(inf.icv);
      res_new.inner_len = inf.inner_len;
      dn_new.hdr        = inf.hdr;
      dn_new.hlen       = inf.hlen;
      dn_new.blen       = inf.clen;
      dn_new.tag        = g_tag_i & first_mask((LenW + 2)'(inf.icv));
      dn_new.tlen       = inf.icv;
    end else begin
      res_new.icv_ok = g_tag_ok_i;
      if (!g_tag_ok_i) begin
        res_new.status = StAuthFail;
      end else if (nospace) begin
        res_new.status = StNoSpace;
      end else if (!pad_ok) begin
        res_new.status = StBadPad;
      end else if (inf.tunnel && !in_ok) begin
        res_new.status = StMalformed;
      end else begin
        res_new.status = StOk;
      end
      if (res_new.status == StOk) begin
        res_new.out_len   = LenW'(pos_t'(inf.hlen) + plen);
        res_new.inner_len = LenW'(pos_t'(inf.hlen) + plen);
        dn_new.hlen       = inf.hlen;
        dn_new.blen       = LenW'(plen);
        // Transport: the outer header with total length, protocol = next header, checksum.
        dn_new.hdr                  = inf.hdr;
        dn_new.hdr[HdrW-1-16 -: 16] = tot16;
        dn_new.hdr[HdrW-1-72 -: 8]  = nh;
        dn_new.hdr[HdrW-1-80 -: 16] = csum;
      end
    end
    dn_new.out_len = res_new.out_len;
    dn_new.nbody   = NbW'(({1'b0, dn_new.blen} + (LenW + 1)'(15)) >> 4);
    rd_new.start   = sp_q;
    rd_new.nbody   = dn_new.nbody;
    rd_new.nring   = q_q + NbW'(1);

    wp_d    = wr ? ring_inc(wp_q) : wp_q;
    sp_d    = dn_push ? wp_d : sp_q;
    q_d     = dn_push ? '0 : (wr ? q_q + NbW'(1) : q_q);
    lbrk_d  = dn_push ? '0 : (wr ? lbrk : lbrk_q);
    lastb_d = wr ? byte_of(g_data_i, 4'd15) : lastb_q;
    pl_d    = dn_push ? '0 : (wr ? pl : pl_q);
    ve_d    = dn_push ? '0 : (wr ? ve : ve_q);
    ivihl_d = wr ? ivihl : ivihl_q;
    itot_d  = wr ? itot : itot_q;
    if_rd_d = if_pop ? if_rd_q + (IaW + 1)'(1) : if_rd_q;
    if_wr_d = (info_valid_i && info_ready_o) ? if_wr_q + (IaW + 1)'(1) : if_wr_q;
    dn_wr_d = dn_push ? dn_wr_q + (DaW + 1)'(1) : dn_wr_q;
  end

  assign used_d = used_q + (RaW + 1)'(wr) - free_n;

  always_ff @(posedge clk_i) begin
    if (wr) begin
      ring_q[wp_q] <= g_data_i;
    end
    if (dn_push) begin
      dn_q[dn_wr_q[DaW-1:0]]   <= dn_new;
      dres_q[dn_wr_q[DaW-1:0]] <= res_new;
      drd_q[dn_wr_q[DaW-1:0]]  <= rd_new;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Results
  // ---------------------------------------------------------------------------------------
  assign res_valid_o = dn_res_q != dn_wr_q;
  assign res_o       = dres_q[dn_res_q[DaW-1:0]];
  assign dn_res_d    = (res_valid_o && res_ready_i) ? dn_res_q + (DaW + 1)'(1) : dn_res_q;

  // ---------------------------------------------------------------------------------------
  // Reader: ring -> prefetch FIFO
  // ---------------------------------------------------------------------------------------
  logic             rd_act_q, rd_act_d;
  logic [RaW-1:0]   ra_q, ra_d;
  logic [NbW-1:0]   rleft_q, rleft_d;
  logic             rv_q, rv_d;              // a read issued last clock
  logic [127:0]     rdata_q;
  logic [127:0]     pf_q [PfDepth];
  logic [2:0]       pf_cnt_q, pf_cnt_d;
  logic [1:0]       pf_rd_q, pf_rd_d, pf_wr_q, pf_wr_d;
  logic             rd_issue, pf_pop;
  rdinfo_t          rde;

  always_comb begin
    rde      = drd_q[dn_rd_q[DaW-1:0]];
    rd_act_d = rd_act_q;
    ra_d     = ra_q;
    rleft_d  = rleft_q;
    dn_rd_d  = dn_rd_q;
    free_n   = '0;
    rd_issue = 1'b0;
    if (!rd_act_q) begin
      if (dn_rd_q != dn_wr_q) begin
        rd_act_d = 1'b1;
        ra_d     = rde.start;
        rleft_d  = rde.nbody;
      end
    end else if (rleft_q == '0) begin
      // All body beats fetched: the packet's ring beats are free.
      free_n   = (RaW + 1)'(rde.nring);
      dn_rd_d  = dn_rd_q + (DaW + 1)'(1);
      rd_act_d = 1'b0;
    end else if ({1'b0, pf_cnt_q} + {3'b0, rv_q} < 4'(PfDepth)) begin
      rd_issue = 1'b1;
      ra_d     = ring_inc(ra_q);
      rleft_d  = rleft_q - NbW'(1);
    end
    rv_d     = rd_issue;
  end

  // Prefetch FIFO pointers (pf_pop comes from the output handshake).
  assign pf_wr_d  = rv_q ? pf_wr_q + 2'd1 : pf_wr_q;
  assign pf_rd_d  = pf_pop ? pf_rd_q + 2'd1 : pf_rd_q;
  assign pf_cnt_d = pf_cnt_q + {2'b0, rv_q} - {2'b0, pf_pop};

  always_ff @(posedge clk_i) begin
    if (rd_issue) begin
      rdata_q <= ring_q[ra_q];
    end
    if (rv_q) begin
      pf_q[pf_wr_q] <= rdata_q;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Output: header, body (realigned by the header length), ICV
  // ---------------------------------------------------------------------------------------
  logic [LenW-1:0]  ko_q, ko_d;              // output bytes of the entry already sent
  logic [NbW-1:0]   bp_q, bp_d;              // body beats taken
  logic [127:0]     bprev_q, bprev_d;
  logic             oe_ok, need_pop, ofire, oend;
  done_t            oe;
  pos_t             pko, tpos;
  logic [127:0]     cur, hdrk, body, tagp;
  logic [127:0]     mh, mb, mt;

  always_comb begin
    oe     = dn_q[dn_out_q[DaW-1:0]];
    // The entry's result was taken (the result stream runs ahead of the out stream).
    oe_ok  = dn_out_q != dn_res_q;
    pko    = pos_t'(ko_q);
    need_pop = (pko + pos_t'(16) > pos_t'({oe.hlen[6:4], 4'b0000})) && (bp_q != oe.nbody);
    cur    = pf_q[pf_rd_q];
    hdrk   = '0;
    for (int k = 0; k < HdrBytes / 16; k++) begin
      if (ko_q[6:4] == 3'(k)) begin
        hdrk = oe.hdr[HdrW - 1 - 128 * k -: 128];
      end
    end
    body   = window16(bprev_q, cur, 5'(5'd16 - {1'b0, oe.hlen[3:0]}));
    tpos   = pos_t'(oe.hlen) + pos_t'(oe.blen);
    if (tpos >= pko) begin
      tagp = oe.tag >> {tpos[3:0], 3'b000};
    end else begin
      tagp = oe.tag << {5'd16 - {1'b0, tpos[3:0]}, 3'b000};
    end
    mh = first_mask((LenW + 2)'(pos_t'(oe.hlen) - pko));
    mb = first_mask((LenW + 2)'(tpos - pko));
    mt = first_mask((LenW + 2)'(tpos + pos_t'(oe.tlen) - pko));

    out_last_o  = (pos_t'(oe.out_len) - pko) <= pos_t'(16);
    // The last beat waits until the reader is past the entry (it then frees the entry).
    out_valid_o = oe_ok && oe.out_len != '0 && (!need_pop || pf_cnt_q != 3'd0) &&
                  (!out_last_o || dn_rd_q != dn_out_q);
    out_data_o  = (hdrk & mh) | (body & mb & ~mh) | (tagp & mt & ~mb);
    out_keep_o  = first_bytes((LenW + 2)'(tpos + pos_t'(oe.tlen) - pko));
  end

  // The handshake apart from the beat assembly above, which then depends on registers only.
  always_comb begin
    ofire       = out_valid_o && out_ready_i;
    pf_pop      = ofire && need_pop;
    // An entry ends with its last beat, or at once when it has no output (a drop); either
    // way only after the reader is past it.
    oend        = (ofire && out_last_o) ||
                  (oe_ok && oe.out_len == '0 && dn_rd_q != dn_out_q);

    ko_d     = oend ? '0 : (ofire ? ko_q + LenW'(16) : ko_q);
    bp_d     = oend ? '0 : (pf_pop ? bp_q + NbW'(1) : bp_q);
    bprev_d  = pf_pop ? cur : bprev_q;
    dn_out_d = oend ? dn_out_q + (DaW + 1)'(1) : dn_out_q;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      if_wr_q  <= '0;
      if_rd_q  <= '0;
      wp_q     <= '0;
      sp_q     <= '0;
      used_q   <= '0;
      q_q      <= '0;
      lbrk_q   <= '0;
      lastb_q  <= '0;
      pl_q     <= '0;
      ve_q     <= '0;
      ivihl_q  <= '0;
      itot_q   <= '0;
      dn_wr_q  <= '0;
      dn_res_q <= '0;
      dn_rd_q  <= '0;
      dn_out_q <= '0;
      rd_act_q <= 1'b0;
      ra_q     <= '0;
      rleft_q  <= '0;
      rv_q     <= 1'b0;
      pf_cnt_q <= '0;
      pf_rd_q  <= '0;
      pf_wr_q  <= '0;
      ko_q     <= '0;
      bp_q     <= '0;
      bprev_q  <= '0;
    end else begin
      if_wr_q  <= if_wr_d;
      if_rd_q  <= if_rd_d;
      wp_q     <= wp_d;
      sp_q     <= sp_d;
      used_q   <= used_d;
      q_q      <= q_d;
      lbrk_q   <= lbrk_d;
      lastb_q  <= lastb_d;
      pl_q     <= pl_d;
      ve_q     <= ve_d;
      ivihl_q  <= ivihl_d;
      itot_q   <= itot_d;
      dn_wr_q  <= dn_wr_d;
      dn_res_q <= dn_res_d;
      dn_rd_q  <= dn_rd_d;
      dn_out_q <= dn_out_d;
      rd_act_q <= rd_act_d;
      ra_q     <= ra_d;
      rleft_q  <= rleft_d;
      rv_q     <= rv_d;
      pf_cnt_q <= pf_cnt_d;
      pf_rd_q  <= pf_rd_d;
      pf_wr_q  <= pf_wr_d;
      ko_q     <= ko_d;
      bp_q     <= bp_d;
      bprev_q  <= bprev_d;
    end
  end

  `ASSERT_INIT(DepthsPow2_A, (InfoDepth & (InfoDepth - 1)) == 0 &&
               (DoneDepth & (DoneDepth - 1)) == 0 && InfoDepth >= 2 && DoneDepth >= 2)
  `ASSERT_INIT(RingBig_A, RingBeats >= 600)
  `ASSERT(GcmBeatHasInfo_A, g_valid_i |-> if_wr_q != if_rd_q)
  `ASSERT(PrefetchNoOverflow_A, rv_q |-> pf_cnt_q != 3'(PfDepth) || pf_pop)

endmodule
