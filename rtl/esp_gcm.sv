// esp_gcm: AES-GCM encryption and decryption at one 128-bit block per clock, with no lost
// clock between messages, per-message key (id into a key table), AES-128 and AES-256.
//
// Spec: NIST SP 800-38D (GCM) sections 6.4-7.2, for 96-bit IVs only (J0 = IV || 0^31 || 1);
// the tag is computed in full (16 bytes) and checked over its first in_tag_len_i bytes
// (SP 800-38D 5.2.1.2 truncation: MSB_t); FIPS-197 (AES). RFC 4106 uses it as is (IV = salt ||
// explicit IV; ICV of 8, 12 or 16 bytes, RFC 4106 section 3 and 8.1).
// Full interface, timing and a pipeline diagram: rtl/doc/esp_gcm.md.
//
// Byte/bit order of every bus: byte 0 (the first byte of the message / key / IV on the wire,
// byte [0] of an OpenSSL buffer) is in the most significant byte: in_data_i[127:120],
// key_i[255:248], in_iv_i[95:88], in_tag_i[127:120]. in_keep_i[15] / out_keep_o[15] enable
// byte 0 ([127:120]), keep[0] enables byte 15 ([7:0]). Lengths are byte counts.
//
// Message on the in_* stream (valid/ready): ceil(A/16) AAD beats, then ceil(P/16) payload
// beats (plaintext to encrypt, or ciphertext to decrypt); the last AAD beat and the last
// payload beat may be partial (bytes past the length are ignored). A message with A = P = 0
// is a single beat with in_keep_i = 0. The header (in_key_id_i, in_iv_i, in_aad_len_i,
// in_pt_len_i, in_decrypt_i) is taken on the first beat of each message; in_tag_i (the tag
// to check, decryption) and in_tag_len_i (how many of its leading bytes to check) on the last.
// in_last_i and in_keep_i must agree with the lengths (checked by assertions); the lengths
// alone steer the core.
//
// Out on the out_* stream: one beat per payload beat (ciphertext or plaintext), in order,
// out_keep_o as on input; the last beat of each message carries out_last_o, out_tag_o (the
// computed tag when encrypting, all 16 bytes, zero when decrypting) and out_tag_ok_o
// (decryption: 1 iff the first in_tag_len_i bytes of the tag matched, compared in one clock over
// all 128 bits with the bytes past the length masked, so the time never depends on the data or
// the length; encryption: 1). A message without payload gives one beat with out_keep_o = 0 and
// out_last_o = 1. When decrypting, plaintext beats leave before the verdict; the consumer must
// hold them until out_last_o.
//
// Throughput: one beat per clock in and out, across message and key boundaries. The only
// lost clock: a message with AAD of 0 bytes and a payload needs the AES slot for
// AES_K(J0) that an AAD beat otherwise provides, so in_ready_o drops for one clock on its
// first beat (ESP always has 8 or 12 bytes of AAD).
// Latency: Nr + 3 clocks (17 with MaxKeyBits = 256, 13 with 128) from a beat accepted to its
// output beat; the tag comes with the last output beat.
// Back-pressure: a 2-entry output buffer; when it is full (out_ready_i low) the whole
// pipeline holds (global enable taken from registers only: no combinational path from
// out_ready_i to in_ready_o).
//
// Key install: key_valid_i/key_ready_o; Nr + 2 clocks; key_done_o pulses when the key id can
// be used (from the next clock on). A key id must not be reinstalled while a message using it
// is in the core (install into a free id, make-before-break).
module esp_gcm #(
  parameter int unsigned MaxKeyBits  = 256,    // 128: AES-128 only (10 rounds); 256: both
  parameter int unsigned NumKeys     = 16,     // key table depth
  parameter int unsigned MaxAadBytes = 255,    // AAD of 0..MaxAadBytes bytes
  parameter int unsigned MaxPtBytes  = 65536,  // payload of 0..MaxPtBytes bytes
  parameter int unsigned UserWidth   = 8,      // caller's sideband, carried beat by beat
  localparam int unsigned KeyIdW     = (NumKeys > 1) ? $clog2(NumKeys) : 1,
  localparam int unsigned AadLenW    = $clog2(MaxAadBytes + 1),
  localparam int unsigned PtLenW     = $clog2(MaxPtBytes + 1)
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // Key install.
  input  logic                 key_valid_i,
  output logic                 key_ready_o,
  input  logic [KeyIdW-1:0]    key_id_i,
  input  logic                 key_256_i,
  input  logic [255:0]         key_i,       // AES-128 key in [255:128]
  output logic                 key_done_o,
  // Message beats in.
  input  logic                 in_valid_i,
  output logic                 in_ready_o,
  input  logic [127:0]         in_data_i,
  input  logic [15:0]          in_keep_i,
  input  logic                 in_last_i,
  input  logic [KeyIdW-1:0]    in_key_id_i,   // first beat
  input  logic [95:0]          in_iv_i,       // first beat
  input  logic [AadLenW-1:0]   in_aad_len_i,  // first beat, bytes
  input  logic [PtLenW-1:0]    in_pt_len_i,   // first beat, bytes
  input  logic                 in_decrypt_i,  // first beat
  input  logic [127:0]         in_tag_i,      // last beat, decryption
  input  logic [4:0]           in_tag_len_i,  // last beat, decryption: tag bytes, 1..16
  input  logic [UserWidth-1:0] in_user_i,     // every beat
  // Payload beats and tag out.
  output logic                 out_valid_o,
  input  logic                 out_ready_i,
  output logic [127:0]         out_data_o,
  output logic [15:0]          out_keep_o,
  output logic                 out_last_o,
  output logic [127:0]         out_tag_o,
  output logic                 out_tag_ok_o,
  output logic [UserWidth-1:0] out_user_o
);

  `include "prim_assert.svh"

  // Counter block number, 2 .. ceil(MaxPtBytes / 16) + 1.
  localparam int unsigned CtrW = $clog2((MaxPtBytes + 15) / 16 + 2);

  // A beat as it travels through the AES pipeline beside its counter block.
  typedef struct packed {
    logic                 sop;   // first beat of a message: its AES slot computes AES_K(J0)
    logic                 aad;   // data is an AAD block
    logic                 pl;    // data is a payload block
    logic                 last;  // last beat of the message
    logic                 dec;
    logic [15:0]          keep;
    logic [127:0]         data;  // zero past the message's bytes
    logic [127:0]         tag;   // expected tag (decryption, last beat)
    logic [4:0]           tlen;  // its length in bytes (decryption, last beat)
    logic [AadLenW-1:0]   alen;
    logic [PtLenW-1:0]    plen;
    logic [UserWidth-1:0] user;
  } beat_t;

  // $bits(beat_t), spelled out for yosys (checked by BeatWidth_A).
  localparam int unsigned BeatW = 5 + 16 + 128 + 128 + 5 + AadLenW + PtLenW + UserWidth;

  // Beat after the AES pipeline (GHASH stage G1).
  typedef struct packed {
    logic                 valid;
    logic                 pl;
    logic                 last;
    logic                 dec;
    logic [15:0]          keep;
    logic [127:0]         res;   // payload out: data ^ keystream
    logic [127:0]         tag;   // expected tag
    logic [4:0]           tlen;  // its length in bytes
    logic [127:0]         ej0;   // AES_K(J0) of the beat's message
    logic [UserWidth-1:0] user;
  } post_t;

  // Output buffer entry.
  typedef struct packed {
    logic                 last;
    logic                 dec;
    logic [15:0]          keep;
    logic [127:0]         data;
    logic [127:0]         tag;       // computed tag (last beat)
    logic [127:0]         tag_exp;   // expected tag (decryption, last beat)
    logic [15:0]          tag_keep;  // the expected tag's bytes to compare (byte 0 in bit 15)
    logic [UserWidth-1:0] user;
  } out_t;

  function automatic logic [127:0] expand_keep(logic [15:0] keep);
    logic [127:0] m;
    for (int i = 0; i < 16; i++) begin
      m[8 * i +: 8] = {8{keep[i]}};
    end
    expand_keep = m;
  endfunction

  // Keep mask of a block holding `n` bytes (n = 0 means a full block).
  function automatic logic [15:0] keep_of(logic [3:0] n);
    keep_of = (n == 4'd0) ? 16'hffff : ~(16'hffff >> n);
  endfunction

  logic adv;  // the whole pipeline advances this clock

  // ---------------------------------------------------------------------------------------
  // Key expansion and H table
  // ---------------------------------------------------------------------------------------
  logic              rk_we, rk_256, h_we;
  logic [KeyIdW-1:0] rk_id;
  logic [3:0]        rk_idx;
  logic [127:0]      rk, h_new;

  esp_aes_keyexp #(
    .MaxKeyBits (MaxKeyBits),
    .NumKeys    (NumKeys)
  ) u_keyexp (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .key_valid_i (key_valid_i),
    .key_ready_o (key_ready_o),
    .key_id_i    (key_id_i),
    .key_256_i   (key_256_i),
    .key_i       (key_i),
    .rk_we_o     (rk_we),
    .rk_id_o     (rk_id),
    .rk_idx_o    (rk_idx),
    .rk_256_o    (rk_256),
    .rk_o        (rk),
    .h_we_o      (h_we),
    .h_o         (h_new)
  );

  assign key_done_o = h_we;

  // H per key id. A memory written in place (RAM style, as in esp_aes_pipe), not reset.
  logic [127:0] h_mem [NumKeys];
  always_ff @(posedge clk_i) begin
    if (h_we) begin
      h_mem[rk_id] <= h_new;
    end
  end

  // ---------------------------------------------------------------------------------------
  // Input: message framing, counter blocks
  // ---------------------------------------------------------------------------------------
  logic               in_msg_d, in_msg_q;      // inside a message: next beat is not the first
  logic               j0_done_d, j0_done_q;    // AES_K(J0) already issued for this first beat
  logic [KeyIdW-1:0]  kid_d, kid_q;
  logic [95:0]        iv_d, iv_q;
  logic               dec_d, dec_q;
  logic [AadLenW-1:0] alen_d, alen_q;
  logic [PtLenW-1:0]  plen_d, plen_q;
  logic [AadLenW-1:0] arem_d, arem_q;          // AAD bytes still to come
  logic [PtLenW-1:0]  prem_d, prem_q;          // payload bytes still to come
  logic [CtrW-1:0]    ctr_d, ctr_q;            // counter of the next payload block

  logic               first, need_j0, is_aad, is_pl, aad_end, pl_end, beat_last;
  logic               fire, inject, sop;
  logic [KeyIdW-1:0]  h_kid;
  logic [95:0]        h_iv;
  logic               h_dec;
  logic [AadLenW-1:0] h_alen, arem;
  logic [PtLenW-1:0]  h_plen, prem;
  logic [CtrW-1:0]    ctr;
  logic [15:0]        keep;
  logic [127:0]       ctr_block;
  beat_t              beat_in;

  // The beat's kind comes from comparisons of the remaining byte counts (no carry chain on
  // the path from the inputs to the pipeline); the counts step down by 16 into registers.
  always_comb begin
    first      = !in_msg_q;
    h_kid      = first ? in_key_id_i : kid_q;
    h_iv       = first ? in_iv_i : iv_q;
    h_dec      = first ? in_decrypt_i : dec_q;
    h_alen     = first ? in_aad_len_i : alen_q;
    h_plen     = first ? in_pt_len_i : plen_q;
    arem       = first ? in_aad_len_i : arem_q;
    prem       = first ? in_pt_len_i : prem_q;
    ctr        = first ? CtrW'(2) : ctr_q;
    is_aad     = (arem != '0);
    is_pl      = !is_aad && (prem != '0);
    aad_end    = ({1'b0, arem} <= (AadLenW + 1)'(16));  // last AAD block
    pl_end     = ({1'b0, prem} <= (PtLenW + 1)'(16));   // last payload block
    beat_last  = is_aad ? (aad_end && prem == '0) : (is_pl ? pl_end : 1'b1);
    // AAD-less message with a payload: its first beat waits one clock for the J0 slot.
    need_j0    = first && !j0_done_q && !is_aad && is_pl;
    in_ready_o = adv && !need_j0;
    fire       = in_valid_i && in_ready_o;
    inject     = in_valid_i && adv && need_j0;
    sop        = inject || (first && !j0_done_q);
    if (is_aad && aad_end) begin
      keep = keep_of(arem[3:0]);
    end else if (is_pl && pl_end) begin
      keep = keep_of(prem[3:0]);
    end else if (is_aad || is_pl) begin
      keep = 16'hffff;
    end else begin
      keep = 16'h0000;
    end
    ctr_block = sop ? {h_iv, 32'h1} : {h_iv, 32'(ctr)};

    beat_in      = '0;
    beat_in.sop  = sop;
    beat_in.aad  = !inject && is_aad;
    beat_in.pl   = !inject && is_pl;
    beat_in.last = !inject && beat_last;
    beat_in.dec  = h_dec;
    beat_in.keep = inject ? 16'h0 : keep;
    beat_in.data = inject ? 128'h0 : (in_data_i & expand_keep(keep));
    beat_in.tag  = in_tag_i;
    beat_in.tlen = in_tag_len_i;
    beat_in.alen = h_alen;
    beat_in.plen = h_plen;
    beat_in.user = in_user_i;
  end

  always_comb begin
    in_msg_d  = in_msg_q;
    j0_done_d = j0_done_q;
    kid_d     = kid_q;
    iv_d      = iv_q;
    dec_d     = dec_q;
    alen_d    = alen_q;
    plen_d    = plen_q;
    arem_d    = arem_q;
    prem_d    = prem_q;
    ctr_d     = ctr_q;
    if (inject) begin
      j0_done_d = 1'b1;
    end
    if (fire) begin
      j0_done_d = 1'b0;
      in_msg_d  = !beat_last;
      kid_d     = h_kid;
      iv_d      = h_iv;
      dec_d     = h_dec;
      alen_d    = h_alen;
      plen_d    = h_plen;
      arem_d    = arem;
      prem_d    = prem;
      ctr_d     = ctr;
      if (is_aad) begin
        arem_d = aad_end ? '0 : arem - AadLenW'(16);
      end
      if (is_pl) begin
        prem_d = pl_end ? '0 : prem - PtLenW'(16);
        ctr_d  = ctr + CtrW'(1);
      end
    end
  end

  // ---------------------------------------------------------------------------------------
  // AES pipeline: AES_K(J0) on a message's first beat, AES_K(counter) on payload beats
  // ---------------------------------------------------------------------------------------
  logic              ks_valid;
  logic [KeyIdW-1:0] ks_kid_next;
  logic [127:0]      ks;
  beat_t             beat_e;

  esp_aes_pipe #(
    .MaxKeyBits (MaxKeyBits),
    .NumKeys    (NumKeys),
    .UserWidth  (BeatW)
  ) u_pipe (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .en_i         (adv),
    .rk_we_i      (rk_we),
    .rk_id_i      (rk_id),
    .rk_idx_i     (rk_idx),
    .rk_256_i     (rk_256),
    .rk_i         (rk),
    .in_valid_i   (fire || inject),
    .in_key_id_i  (h_kid),
    .in_block_i   (ctr_block),
    .in_user_i    (beat_in),
    .out_valid_o  (ks_valid),
    /* verilator lint_off PINCONNECTEMPTY */
    .out_key_id_o (),  // the H table is read one clock ahead, from out_next_key_id_o
    /* verilator lint_on PINCONNECTEMPTY */
    .out_block_o  (ks),
    .out_user_o   (beat_e),
    .out_next_key_id_o(ks_kid_next)
  );

  // ---------------------------------------------------------------------------------------
  // Stage E (pipeline output): keystream XOR, GHASH loop. Stage G1: GHASH final multiply,
  // tag; the beat goes into the output buffer.
  // ---------------------------------------------------------------------------------------
  logic [127:0] ej0_d, ej0_q, res, ghash_block, h_d, h_q, len_block, s;
  logic         s_valid;
  post_t        post_e, g1_d, g1_q;

  // Everything here depends on registers only (adv included), which keeps the Verilator
  // model from re-evaluating it whenever an input changes.
  always_comb begin
    res         = beat_e.data ^ (ks & expand_keep(beat_e.keep));
    ghash_block = (beat_e.pl && !beat_e.dec) ? res : beat_e.data;
    len_block   = {61'(beat_e.alen), 3'b000, 61'(beat_e.plen), 3'b000};

    post_e       = '0;
    post_e.valid = ks_valid;
    post_e.pl    = beat_e.pl;
    post_e.last  = beat_e.last;
    post_e.dec   = beat_e.dec;
    post_e.keep  = beat_e.keep;
    post_e.res   = res;
    post_e.tag   = beat_e.tag;
    post_e.tlen  = beat_e.tlen;
    post_e.ej0   = beat_e.sop ? ks : ej0_q;
    post_e.user  = beat_e.user;
  end

  assign ej0_d = (adv && ks_valid && beat_e.sop) ? ks : ej0_q;
  // H of the block at the pipeline output, read from the H table one clock ahead (keeps the
  // table read out of the GHASH loop's path).
  assign h_d   = adv ? h_mem[ks_kid_next] : h_q;
  assign g1_d  = adv ? post_e : g1_q;

  esp_ghash u_ghash (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .en_i        (adv),
    .in_valid_i  (ks_valid),
    .in_sop_i    (beat_e.sop),
    .in_data_i   (beat_e.aad || beat_e.pl),
    .in_last_i   (beat_e.last),
    .in_block_i  (ghash_block),
    .in_h_i      (h_q),
    .in_len_i    (len_block),
    .out_valid_o (s_valid),
    .out_s_o     (s)
  );

  // ---------------------------------------------------------------------------------------
  // Output buffer (2 entries): payload beats, and the tag and verdict on the last beat
  // ---------------------------------------------------------------------------------------
  out_t       g1_out;
  out_t       buf0_d, buf0_q, buf1_d, buf1_q;
  logic       wptr_d, wptr_q, rptr_d, rptr_q;
  logic [1:0] cnt_d, cnt_q;
  logic       g1_emits, push, pop;
  out_t       head;

  always_comb begin
    g1_out          = '0;
    g1_out.last     = g1_q.last;
    g1_out.dec      = g1_q.dec;
    g1_out.keep     = g1_q.pl ? g1_q.keep : 16'h0;
    g1_out.data     = g1_q.pl ? g1_q.res : 128'h0;
    g1_out.tag      = s ^ g1_q.ej0;
    g1_out.tag_exp  = g1_q.tag;
    g1_out.tag_keep = keep_of(g1_q.tlen[3:0]);  // the first tlen bytes (16: keep_of(0), all)
    g1_out.user     = g1_q.user;
  end

  // The pipeline moves unless the G1 beat has an output to give and the buffer is full.
  assign g1_emits = g1_q.valid && (g1_q.pl || g1_q.last);
  assign adv      = (cnt_q != 2'd2) || !g1_emits;
  assign push     = adv && g1_emits;
  assign pop      = out_valid_o && out_ready_i;

  always_comb begin
    buf0_d = buf0_q;
    buf1_d = buf1_q;
    wptr_d = wptr_q;
    rptr_d = rptr_q;
    cnt_d  = cnt_q + {1'b0, push} - {1'b0, pop};
    if (push) begin
      if (wptr_q) begin
        buf1_d = g1_out;
      end else begin
        buf0_d = g1_out;
      end
      wptr_d = !wptr_q;
    end
    if (pop) begin
      rptr_d = !rptr_q;
    end
  end

  assign head         = rptr_q ? buf1_q : buf0_q;
  assign out_valid_o  = (cnt_q != 2'd0);
  assign out_data_o   = head.data;
  assign out_keep_o   = head.keep;
  assign out_last_o   = head.last;
  assign out_user_o   = head.user;
  // Never release the computed tag of a decryption (it would be a forgery for the sender's
  // ciphertext). The compare reduces all 128 bits, the bytes past the tag length masked to
  // zero: its time depends on neither the data nor the length.
  assign out_tag_o    = (head.last && !head.dec) ? head.tag : 128'h0;
  assign out_tag_ok_o = head.last &&
                        (!head.dec || ~|((head.tag ^ head.tag_exp) & expand_keep(head.tag_keep)));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_msg_q  <= 1'b0;
      j0_done_q <= 1'b0;
      kid_q     <= '0;
      iv_q      <= '0;
      dec_q     <= 1'b0;
      alen_q    <= '0;
      plen_q    <= '0;
      arem_q    <= '0;
      prem_q    <= '0;
      ctr_q     <= '0;
      ej0_q     <= '0;
      h_q       <= '0;
      g1_q      <= '0;
      buf0_q    <= '0;
      buf1_q    <= '0;
      wptr_q    <= 1'b0;
      rptr_q    <= 1'b0;
      cnt_q     <= 2'd0;
    end else begin
      in_msg_q  <= in_msg_d;
      j0_done_q <= j0_done_d;
      kid_q     <= kid_d;
      iv_q      <= iv_d;
      dec_q     <= dec_d;
      alen_q    <= alen_d;
      plen_q    <= plen_d;
      arem_q    <= arem_d;
      prem_q    <= prem_d;
      ctr_q     <= ctr_d;
      ej0_q     <= ej0_d;
      h_q       <= h_d;
      g1_q      <= g1_d;
      buf0_q    <= buf0_d;
      buf1_q    <= buf1_d;
      wptr_q    <= wptr_d;
      rptr_q    <= rptr_d;
      cnt_q     <= cnt_d;
    end
  end

  `ASSERT_INIT(KeyBitsLegal_A, MaxKeyBits == 128 || MaxKeyBits == 256)
  `ASSERT_INIT(CtrFits_A, CtrW <= 32)
  `ASSERT_INIT(BeatWidth_A, BeatW == $bits(beat_t))
  `ASSERT_INIT(AadLenLegal_A, MaxAadBytes >= 1)
  `ASSERT(LenInRange_A, in_valid_i && first |->
          in_aad_len_i <= AadLenW'(MaxAadBytes) && in_pt_len_i <= PtLenW'(MaxPtBytes))
  `ASSERT(InLastAgrees_A, fire |-> in_last_i == beat_last)
  `ASSERT(InKeepAgrees_A, fire |-> in_keep_i == keep)
  `ASSERT(TagLenLegal_A, fire && beat_last && h_dec |->
          in_tag_len_i >= 5'd1 && in_tag_len_i <= 5'd16)
  `ASSERT(TagAligned_A, (g1_q.valid && g1_q.last) == s_valid)
  `ASSERT(NoOverflow_A, push && !pop |-> cnt_q != 2'd2)

endmodule
