// esp_out_pack: one lane's output, packed from the lane's 128-bit beats into host-bus words of
// DataW bits and buffered, so that the back can take a packet's output at DataW bits a clock
// while the lanes go on at 128 (rtl/doc/multilane.md; doc: rtl/doc/esp_out_pack.md).
//
// Input: the lane's output beats (byte 0 in [127:120]), in_last_i on a packet's last beat.
// Output: words of DataW bits (byte 0 in [DataW-1 -: 8]); a packet's beats fill its words in
// order, DataW/128 beats a word, so a packet of n beats is ceil(n / (DataW/128)) words, the last
// one (out_last_o) zero past its last beat. A packet always starts a new word. The FIFO holds
// Words words: enough for a whole packet of the largest size lets a lane finish its packet while
// the back still takes an earlier one from another lane.
module esp_out_pack #(
  parameter int unsigned DataW = 1024,
  parameter int unsigned Words = 128,  // FIFO depth (power of two)
  localparam int unsigned K = DataW / 128,
  localparam int unsigned KW = (K > 1) ? $clog2(K) : 1,
  localparam int unsigned AW = $clog2(Words)
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             in_valid_i,
  output logic             in_ready_o,
  input  logic [127:0]     in_data_i,
  input  logic             in_last_i,
  output logic             out_valid_o,
  input  logic             out_ready_i,
  output logic [DataW-1:0] out_data_o,
  output logic             out_last_o
);
  `include "prim_assert.svh"

  // Packing: the beats of the current word so far, and the next beat's slot.
  logic [DataW-1:0] acc_q, word;
  logic [KW-1:0]    k_q;
  logic             in_beat, push, full_word;
  assign in_beat = in_valid_i && in_ready_o;
  assign full_word = 32'(k_q) == K - 1;
  assign push = in_beat && (full_word || in_last_i);
  always_comb begin
    word = acc_q;
    word[DataW - 1 - 128 * 32'(k_q) -: 128] = in_data_i;
  end

  // FIFO of words, with the packet's last flag.
  logic [DataW-1:0] mem_q [Words];
  logic             last_q [Words];
  logic [AW:0]      wp_q, rp_q;
  assign in_ready_o = (wp_q - rp_q) != (AW + 1)'(Words);
  assign out_valid_o = wp_q != rp_q;
  assign out_data_o = mem_q[rp_q[AW-1:0]];
  assign out_last_o = last_q[rp_q[AW-1:0]];

  always_ff @(posedge clk_i) begin
    if (push) begin
      mem_q[wp_q[AW-1:0]] <= word;
      last_q[wp_q[AW-1:0]] <= in_last_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q <= '0;
      k_q <= '0;
      wp_q <= '0;
      rp_q <= '0;
    end else begin
      if (in_beat) begin
        if (push) begin
          acc_q <= '0;
          k_q <= '0;
        end else begin
          acc_q <= word;
          k_q <= k_q + KW'(1);
        end
      end
      if (push) wp_q <= wp_q + (AW + 1)'(1);
      if (out_valid_o && out_ready_i) rp_q <= rp_q + (AW + 1)'(1);
    end
  end

  `ASSERT_INIT(ParamsLegal_A, (DataW == 256 || DataW == 512 || DataW == 1024) && Words >= 2 &&
               (Words & (Words - 1)) == 0)
  `ASSERT(NoOverflow_A, push |-> (wp_q - rp_q) != (AW + 1)'(Words))

endmodule
