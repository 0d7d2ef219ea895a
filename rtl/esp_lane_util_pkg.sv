// esp_lane_util_pkg: types and helpers shared by the parts of an ESP lane (esp_lane,
// esp_lane_in, esp_lane_out). Not part of the front-end contract (that is esp_lane_pkg).
//
// Byte order as everywhere in rtl/: byte 0 of a multi-byte vector is its most significant
// byte (network order). A 16-byte keep mask has bit 15 for byte 0.
package esp_lane_util_pkg;

  // esp_lane_pkg::LenW, repeated so that this package stands alone (rtl_lint lints each package
  // by itself); esp_lane checks that the two agree (LenWAgrees_A).
  localparam int unsigned LaneLenW = 14;

  localparam int unsigned HdrBytes = 96;  // largest header a lane emits or parses (84 used)
  localparam int unsigned HdrW     = 8 * HdrBytes;

  // What the input side knows about a packet, for the output side (one per packet, in order).
  typedef struct packed {
    logic            decap;
    logic            tunnel;
    logic [4:0]      icv;        // ICV bytes: 16, 12 or 8
    logic [HdrW-1:0] hdr;        // encap: the output header (H bytes); decap transport: the
                                 // outer IPv4 header as received (hlen bytes)
    logic [6:0]      hlen;       // encap: H = IP + UDP + ESP header + IV; decap: IHL*4 in
                                 // transport mode, 0 in tunnel mode
    logic [15:0]     csum_part;  // decap transport: one's-complement sum of the outer header
                                 // without total length, protocol and checksum (folded)
    logic [LaneLenW-1:0] clen;       // ciphertext bytes C (payload, pad, pad len, next hdr)
    logic [LaneLenW-1:0] out_cap;    // decap: the descriptor's output buffer size
    logic [LaneLenW-1:0] inner_len;  // encap: the inner packet's IPv4 total length
  } info_t;

  // Keep mask of the first n bytes of a beat, n clamped to 0..16 (n is signed).
  function automatic logic [15:0] first_bytes(logic signed [LaneLenW+1:0] n);
    if (n <= 0) begin
      first_bytes = 16'h0000;
    end else if (n >= 16) begin
      first_bytes = 16'hffff;
    end else begin
      first_bytes = ~(16'hffff >> n[4:0]);
    end
  endfunction

  // Bit mask of the first n bytes of a beat (expand_keep(first_bytes(n)) in one shift).
  function automatic logic [127:0] first_mask(logic signed [LaneLenW+1:0] n);
    if (n <= 0) begin
      first_mask = '0;
    end else if (n >= 16) begin
      first_mask = '1;
    end else begin
      first_mask = ~({128{1'b1}} >> {n[3:0], 3'b000});
    end
  endfunction

  function automatic logic [127:0] expand_keep(logic [15:0] keep);
    logic [127:0] m;
    for (int i = 0; i < 16; i++) begin
      m[8 * i +: 8] = {8{keep[i]}};
    end
    expand_keep = m;
  endfunction

  // 16 bytes starting sh bytes into the 32-byte window {a, b} (sh = 0..31; zeros past the end).
  function automatic logic [127:0] window16(logic [127:0] a, logic [127:0] b, logic [4:0] sh);
    if (sh[4]) begin
      window16 = b << {sh[3:0], 3'b000};
    end else begin
      window16 = (a << {sh[3:0], 3'b000}) | (b >> {5'd16 - {1'b0, sh[3:0]}, 3'b000});
    end
  endfunction

  // One's-complement 16-bit addition (RFC 1071).
  function automatic logic [15:0] csum_add(logic [15:0] a, logic [15:0] b);
    logic [16:0] s;
    s = {1'b0, a} + {1'b0, b};
    csum_add = s[15:0] + {15'd0, s[16]};
  endfunction

endpackage
