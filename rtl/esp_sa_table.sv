// esp_sa_table: the SA table and its CSR programming window (hw/regmap.toml 0x200..0x2ff):
// SA_SLOT, SA_CMD, SA_STATUS, the SA_* field registers, the write-only key and salt staging,
// and the SA_STAT_* results of READ_STATS. Doc: rtl/doc/esp_sa_table.md.
//
// Commands (SA_CMD.OP on SA_SLOT; SA_STATUS.BUSY until done; a command written while one runs
// waits for it):
//   WRITE      check the slot, window (<= MaxWindow) and ICV encoding (SA_STATUS.ERR), install
//              the key into every lane's key table at id = slot, initialize the slot's replay
//              window (inbound), write the entry, mark it valid, zeroize the key/salt staging.
//   INVALIDATE mark the slot invalid, zeroize its entry (salt included), install an all-zero
//              key at id = slot in every lane (the key material is gone from the device).
//   READ_STATS copy the slot's counters, flags and sequence state (inbound: T and the low 64
//              bitmap bits from esp_replay) into SA_STAT_*; an empty slot reads as
//              device_model.cc's empty slot (SEQ = 1, everything else 0).
// SOFT_RESET: staging and results back to reset values, every slot invalid, then a sweep that
// zeroizes every entry and installs an all-zero key at every slot that ever held one (BUSY
// meanwhile).
//
// Datapath port (esp_engine): registered read (eng_rd_slot_i -> eng_rd_* one clock later) and
// a state write-back; the engine's write has priority over a command's entry write.
// Entry memories are unpacked arrays (one RAM each for cfg and state).
module esp_sa_table
  import ipsec_reg_pkg::*;
  import esp_sa_pkg::*;
#(
  parameter int unsigned Slots     = 1024,
  parameter int unsigned MaxWindow = 4096,
  localparam int unsigned SlotW    = $clog2(Slots)
) (
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              soft_reset_i,
  // CSR access to 0x200..0x2ff.
  input  logic              csr_we_i,
  input  logic [CSR_AW-1:0] csr_addr_i,
  input  logic [31:0]       csr_wdata_i,
  output logic [31:0]       csr_rdata_o,
  // Key install into every lane (broadcast; ready and done are the AND over lanes).
  output logic              key_valid_o,
  input  logic              key_ready_i,
  output logic [SlotW-1:0]  key_slot_o,
  output logic              key_256_o,
  output logic [255:0]      key_o,         // byte 0 of the key in [255:248]
  input  logic              key_done_i,
  // Replay window: initialize a slot (inbound SA WRITE), read T and bitmap (READ_STATS).
  output logic              rp_init_valid_o,
  input  logic              rp_init_ready_i,
  output logic [SlotW-1:0]  rp_init_slot_o,
  output logic [12:0]       rp_init_window_o,  // 1..MaxWindow
  output logic              rp_init_esn_o,
  output logic [63:0]       rp_init_t_o,
  input  logic              rp_init_done_i,
  output logic              rp_rd_valid_o,
  input  logic              rp_rd_ready_i,
  output logic [SlotW-1:0]  rp_rd_slot_o,
  input  logic              rp_rd_done_i,
  input  logic [63:0]       rp_rd_t_i,
  input  logic [63:0]       rp_rd_bitmap_i,
  // Engine port.
  input  logic              eng_rd_i,         // the engine reads this clock
  input  logic [SlotW-1:0]  eng_rd_slot_i,
  output logic              eng_rd_valid_o,   // slot valid (registered, like the data)
  output sa_cfg_t           eng_rd_cfg_o,
  output sa_state_t         eng_rd_st_o,
  input  logic              eng_wr_i,
  input  logic [SlotW-1:0]  eng_wr_slot_i,
  input  sa_state_t         eng_wr_st_i,
  output logic              busy_o
);
  `include "prim_assert.svh"

  // ----------------------------------------------------------------------- memories, port A
  sa_cfg_t   cfg_mem_q [Slots];
  sa_state_t st_mem_q  [Slots];
  logic [Slots-1:0] valid_q, keyed_q;

  logic            cmd_wr;        // command writes cfg + state of cmd_slot
  logic            cmd_valid_set, cmd_valid_clr;
  sa_cfg_t         cmd_cfg;
  sa_state_t       cmd_st;
  logic [SlotW-1:0] cmd_slot;
  logic [SlotW-1:0] rd_slot;      // shared registered read port: engine unless a command reads
  logic            cmd_rd;

  assign rd_slot = cmd_rd ? cmd_slot : eng_rd_slot_i;

  always_ff @(posedge clk_i) begin
    eng_rd_cfg_o <= cfg_mem_q[rd_slot];
    eng_rd_st_o <= st_mem_q[rd_slot];
    if (eng_wr_i) begin
      st_mem_q[eng_wr_slot_i] <= eng_wr_st_i;
    end else if (cmd_wr) begin
      st_mem_q[cmd_slot] <= cmd_st;
    end
    if (cmd_wr && !eng_wr_i) cfg_mem_q[cmd_slot] <= cmd_cfg;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      eng_rd_valid_o <= 1'b0;
    end else begin
      eng_rd_valid_o <= valid_q[rd_slot];
    end
  end

  // ------------------------------------------------------------------ staging and CSR reads
  logic [15:0] slot_q;
  logic [6:0]  ctrl_q;
  logic [31:0] spi_q, salt_q, tun_src_q, tun_dst_q, ports_q;
  logic [31:0] key_q [8];
  logic [12:0] window_q;
  logic [63:0] seq_q, soft_bytes_q, hard_bytes_q, soft_pkts_q, hard_pkts_q;
  logic        busy_q;
  logic [3:0]  err_q;
  logic [63:0] stat_pkts_q, stat_bytes_q, stat_seq_q, stat_bitmap_q;
  logic [31:0] stat_replay_q, stat_auth_q, stat_other_q;
  logic [3:0]  stat_flags_q;
  logic        cmd_pend_q;
  logic [2:0]  cmd_op_q;

  assign busy_o = busy_q || cmd_pend_q;

  always_comb begin
    csr_rdata_o = 32'd0;
    unique case (csr_addr_i)
      SA_SLOT_OFFSET:           csr_rdata_o = {16'd0, slot_q};
      SA_STATUS_OFFSET:         csr_rdata_o = {24'd0, err_q, 3'd0, busy_o};
      SA_CTRL_OFFSET:           csr_rdata_o = {25'd0, ctrl_q};
      SA_SPI_OFFSET:            csr_rdata_o = spi_q;
      SA_TUN_SRC_OFFSET:        csr_rdata_o = tun_src_q;
      SA_TUN_DST_OFFSET:        csr_rdata_o = tun_dst_q;
      SA_NATT_PORTS_OFFSET:     csr_rdata_o = ports_q;
      SA_WINDOW_OFFSET:         csr_rdata_o = {19'd0, window_q};
      SA_SEQ_LO_OFFSET:         csr_rdata_o = seq_q[31:0];
      SA_SEQ_HI_OFFSET:         csr_rdata_o = seq_q[63:32];
      SA_SOFT_BYTES_OFFSET:     csr_rdata_o = soft_bytes_q[31:0];
      SA_SOFT_BYTES_OFFSET + 4: csr_rdata_o = soft_bytes_q[63:32];
      SA_HARD_BYTES_OFFSET:     csr_rdata_o = hard_bytes_q[31:0];
      SA_HARD_BYTES_OFFSET + 4: csr_rdata_o = hard_bytes_q[63:32];
      SA_SOFT_PKTS_OFFSET:      csr_rdata_o = soft_pkts_q[31:0];
      SA_SOFT_PKTS_OFFSET + 4:  csr_rdata_o = soft_pkts_q[63:32];
      SA_HARD_PKTS_OFFSET:      csr_rdata_o = hard_pkts_q[31:0];
      SA_HARD_PKTS_OFFSET + 4:  csr_rdata_o = hard_pkts_q[63:32];
      SA_STAT_PKTS_OFFSET:      csr_rdata_o = stat_pkts_q[31:0];
      SA_STAT_PKTS_OFFSET + 4:  csr_rdata_o = stat_pkts_q[63:32];
      SA_STAT_BYTES_OFFSET:     csr_rdata_o = stat_bytes_q[31:0];
      SA_STAT_BYTES_OFFSET + 4: csr_rdata_o = stat_bytes_q[63:32];
      SA_STAT_SEQ_OFFSET:       csr_rdata_o = stat_seq_q[31:0];
      SA_STAT_SEQ_OFFSET + 4:   csr_rdata_o = stat_seq_q[63:32];
      SA_STAT_BITMAP_OFFSET:    csr_rdata_o = stat_bitmap_q[31:0];
      SA_STAT_BITMAP_OFFSET + 4: csr_rdata_o = stat_bitmap_q[63:32];
      SA_STAT_REPLAY_OFFSET:    csr_rdata_o = stat_replay_q;
      SA_STAT_AUTH_FAIL_OFFSET: csr_rdata_o = stat_auth_q;
      SA_STAT_OTHER_DROPS_OFFSET: csr_rdata_o = stat_other_q;
      SA_STAT_FLAGS_OFFSET:     csr_rdata_o = {28'd0, stat_flags_q};
      default:                  csr_rdata_o = 32'd0;  // SA_CMD, SA_SALT, SA_KEY: write-only
    endcase
  end

  // ---------------------------------------------------------------------------- command FSM
  typedef enum logic [3:0] {
    StIdle,
    StKey,        // key install requested
    StKeyWait,    // waiting for key_done
    StReplay,     // replay window init requested (inbound WRITE)
    StReplayWait,
    StWrite,      // entry write (WRITE / INVALIDATE)
    StStatsRd,    // entry read issued (when the engine does not read)
    StStatsCap,   // entry captured
    StStatsRp,    // replay T / bitmap read requested
    StStatsRpWait,
    StStatsDone,
    StSweep,      // SOFT_RESET: zeroize entry `sweep`
    StSweepKey,
    StSweepWait
  } state_e;
  state_e state_q, state_d;

  logic [2:0]  op_q, op_d;
  logic [SlotW-1:0] slot_cur_q, slot_cur_d;
  logic        zero_key_q, zero_key_d;   // install an all-zero key
  logic [SlotW:0] sweep_q, sweep_d;
  logic [63:0] rp_t_q, rp_bm_q;
  sa_state_t   cap_st_q;                 // READ_STATS: the entry read
  logic        cap_dir_q, cap_valid_q;

  logic [15:0] cslot;
  logic        slot_bad, is_write, cmd_start;
  assign cslot = slot_q;
  assign slot_bad = 32'(cslot) >= Slots;
  assign cmd_start = cmd_pend_q && state_q == StIdle;
  assign is_write = csr_we_i && csr_addr_i == SA_CMD_OFFSET;

  // The new entry from the staging registers.
  sa_cfg_t  new_cfg;
  sa_state_t new_st;
  logic [63:0] seq_in;
  always_comb begin
    new_cfg = '0;
    new_cfg.dir_in = ctrl_q[SA_CTRL_DIR_IN_LSB];
    new_cfg.aes256 = ctrl_q[SA_CTRL_AES256_LSB];
    new_cfg.tunnel = ctrl_q[SA_CTRL_TUNNEL_LSB];
    new_cfg.natt = ctrl_q[SA_CTRL_NATT_LSB];
    new_cfg.esn = ctrl_q[SA_CTRL_ESN_LSB];
    new_cfg.icv = ctrl_q[SA_CTRL_ICV_LSB +: 2];
    new_cfg.spi = spi_q;
    new_cfg.salt = salt_q;
    new_cfg.tun_src = tun_src_q;
    new_cfg.tun_dst = tun_dst_q;
    new_cfg.sport = ports_q[15:0];
    new_cfg.dport = ports_q[31:16];
    new_cfg.window = window_q;
    new_cfg.soft_bytes = soft_bytes_q;
    new_cfg.hard_bytes = hard_bytes_q;
    new_cfg.soft_pkts = soft_pkts_q;
    new_cfg.hard_pkts = hard_pkts_q;
    seq_in = new_cfg.esn ? seq_q : {32'd0, seq_q[31:0]};
    new_st = sa_state_empty();
    // Sequence numbers start at 1 (RFC 4303 3.3.3).
    if (!new_cfg.dir_in && seq_in != 64'd0) new_st.next_seq = seq_in;
  end

  always_comb begin
    for (int i = 0; i < 8; i++) begin
      for (int j = 0; j < 4; j++) key_o[255 - 8 * (4 * i + j) -: 8] = key_q[i][8 * j +: 8];
    end
    if (!ctrl_q[SA_CTRL_AES256_LSB]) key_o[127:0] = 128'd0;
    if (zero_key_q) key_o = 256'd0;
  end
  assign key_256_o = zero_key_q || ctrl_q[SA_CTRL_AES256_LSB];
  assign key_slot_o = slot_cur_q;
  assign key_valid_o = state_q == StKey || state_q == StSweepKey;

  assign rp_init_valid_o = state_q == StReplay;
  assign rp_init_slot_o = slot_cur_q;
  assign rp_init_window_o = (window_q == 13'd0) ? 13'(DEFAULT_WINDOW) : window_q;
  assign rp_init_esn_o = ctrl_q[SA_CTRL_ESN_LSB];
  assign rp_init_t_o = seq_in;
  assign rp_rd_valid_o = state_q == StStatsRp && cap_dir_q && cap_valid_q;
  assign rp_rd_slot_o = slot_cur_q;

  logic [3:0] err_d;
  logic       busy_d;
  logic       done_clear_staging;
  logic       capture_stats;
  always_comb begin
    state_d = state_q;
    op_d = op_q;
    slot_cur_d = slot_cur_q;
    zero_key_d = zero_key_q;
    sweep_d = sweep_q;
    err_d = err_q;
    busy_d = busy_q;
    cmd_wr = 1'b0;
    cmd_rd = 1'b0;
    cmd_slot = slot_cur_q;
    cmd_cfg = '0;
    cmd_st = sa_state_empty();
    cmd_valid_set = 1'b0;
    cmd_valid_clr = 1'b0;
    done_clear_staging = 1'b0;
    capture_stats = 1'b0;
    unique case (state_q)
      StIdle: begin
        if (cmd_start) begin
          op_d = cmd_op_q;
          slot_cur_d = SlotW'(cslot);
          busy_d = 1'b1;
          if (cmd_op_q == SaCmdNop) begin
            err_d = SaErrorNone;
            busy_d = 1'b0;
          end else if (slot_bad) begin
            err_d = SaErrorBadSlot;
            busy_d = 1'b0;
          end else begin
            unique case (cmd_op_q)
              SaCmdWrite: begin
                if (32'(window_q) > MaxWindow) begin
                  err_d = SaErrorBadWindow;
                  busy_d = 1'b0;
                end else if (ctrl_q[SA_CTRL_ICV_LSB +: 2] > IcvLenIcv8) begin
                  err_d = SaErrorBadIcv;
                  busy_d = 1'b0;
                end else begin
                  zero_key_d = 1'b0;
                  state_d = StKey;
                end
              end
              SaCmdInvalidate: begin
                zero_key_d = 1'b1;
                state_d = StWrite;
              end
              SaCmdReadStats: begin
                state_d = StStatsRd;
              end
              default: begin
                err_d = SaErrorBadCmd;
                busy_d = 1'b0;
              end
            endcase
          end
        end
      end
      StKey: if (key_ready_i) state_d = StKeyWait;
      StKeyWait: begin
        if (key_done_i) begin
          if (op_q == SaCmdWrite && ctrl_q[SA_CTRL_DIR_IN_LSB]) begin
            state_d = StReplay;
          end else if (op_q == SaCmdWrite) begin
            state_d = StWrite;
          end else begin
            err_d = SaErrorNone;  // INVALIDATE done
            busy_d = 1'b0;
            state_d = StIdle;
          end
        end
      end
      StReplay: if (rp_init_ready_i) state_d = StReplayWait;
      StReplayWait: if (rp_init_done_i) state_d = StWrite;
      StWrite: begin
        if (!eng_wr_i) begin
          cmd_wr = 1'b1;
          if (op_q == SaCmdWrite) begin
            cmd_cfg = new_cfg;
            cmd_st = new_st;
            cmd_valid_set = 1'b1;
            done_clear_staging = 1'b1;
            err_d = SaErrorNone;
            busy_d = 1'b0;
            state_d = StIdle;
          end else begin
            cmd_valid_clr = 1'b1;  // INVALIDATE: entry zeroized, then the zero key
            state_d = StKey;
          end
        end
      end
      StStatsRd: begin
        if (!eng_rd_i) begin
          cmd_rd = 1'b1;
          state_d = StStatsCap;
        end
      end
      StStatsCap: state_d = StStatsRp;
      StStatsRp: begin
        if (!cap_dir_q || !cap_valid_q) begin
          state_d = StStatsDone;
        end else if (rp_rd_ready_i) begin
          state_d = StStatsRpWait;
        end
      end
      StStatsRpWait: if (rp_rd_done_i) state_d = StStatsDone;
      StStatsDone: begin
        capture_stats = 1'b1;
        err_d = SaErrorNone;
        busy_d = 1'b0;
        state_d = StIdle;
      end
      StSweep: begin
        if (!eng_wr_i) begin
          cmd_wr = 1'b1;
          cmd_slot = sweep_q[SlotW-1:0];
          slot_cur_d = sweep_q[SlotW-1:0];
          zero_key_d = 1'b1;
          if (keyed_q[sweep_q[SlotW-1:0]]) begin
            state_d = StSweepKey;
          end else if (sweep_q == (SlotW + 1)'(Slots - 1)) begin
            busy_d = 1'b0;
            state_d = StIdle;
          end else begin
            sweep_d = sweep_q + 1'b1;
          end
        end
      end
      StSweepKey: if (key_ready_i) state_d = StSweepWait;
      StSweepWait: begin
        if (key_done_i) begin
          if (sweep_q == (SlotW + 1)'(Slots - 1)) begin
            busy_d = 1'b0;
            state_d = StIdle;
          end else begin
            sweep_d = sweep_q + 1'b1;
            state_d = StSweep;
          end
        end
      end
      default: state_d = StIdle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= StIdle;
      op_q <= 3'd0;
      slot_cur_q <= '0;
      zero_key_q <= 1'b0;
      sweep_q <= '0;
      rp_t_q <= 64'd0;
      rp_bm_q <= 64'd0;
      cap_st_q <= sa_state_empty();
      cap_dir_q <= 1'b0;
      cap_valid_q <= 1'b0;
      valid_q <= '0;
      keyed_q <= '0;
      busy_q <= 1'b0;
      err_q <= 4'd0;
      cmd_pend_q <= 1'b0;
      cmd_op_q <= 3'd0;
    end else if (soft_reset_i) begin
      state_q <= StSweep;
      sweep_q <= '0;
      valid_q <= '0;
      busy_q <= 1'b1;
      err_q <= 4'd0;
      cmd_pend_q <= 1'b0;
    end else begin
      state_q <= state_d;
      op_q <= op_d;
      slot_cur_q <= slot_cur_d;
      zero_key_q <= zero_key_d;
      sweep_q <= sweep_d;
      busy_q <= busy_d;
      err_q <= err_d;
      if (state_q == StStatsCap) begin
        cap_st_q <= eng_rd_st_o;
        cap_dir_q <= eng_rd_cfg_o.dir_in;
        cap_valid_q <= eng_rd_valid_o;
      end
      if (rp_rd_done_i && state_q == StStatsRpWait) begin
        rp_t_q <= rp_rd_t_i;
        rp_bm_q <= rp_rd_bitmap_i;
      end
      if (cmd_valid_set) begin
        valid_q[slot_cur_q] <= 1'b1;
        keyed_q[slot_cur_q] <= 1'b1;
      end
      if (cmd_valid_clr) valid_q[slot_cur_q] <= 1'b0;
      if ((state_q == StKeyWait || state_q == StSweepWait) && key_done_i && zero_key_q) begin
        keyed_q[slot_cur_q] <= 1'b0;
      end
      if (cmd_start) begin
        cmd_pend_q <= 1'b0;
      end
      if (is_write) begin
        cmd_pend_q <= 1'b1;
        cmd_op_q <= csr_wdata_i[2:0];
      end
    end
  end

  // READ_STATS: the state reported (an empty slot reads as device_model.cc's empty slot).
  sa_state_t s;
  logic unused_s;
  assign s = cap_valid_q ? cap_st_q : sa_state_empty();
  assign unused_s = ^{s.next_seq[63:48], s.ip_id};

  // Staging registers and READ_STATS results.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      slot_q <= 16'd0;
      ctrl_q <= 7'd0;
      spi_q <= 32'd0;
      salt_q <= 32'd0;
      for (int i = 0; i < 8; i++) key_q[i] <= 32'd0;
      tun_src_q <= 32'd0;
      tun_dst_q <= 32'd0;
      ports_q <= SA_NATT_PORTS_RESVAL;
      window_q <= 13'd0;
      seq_q <= 64'd0;
      soft_bytes_q <= 64'd0;
      hard_bytes_q <= 64'd0;
      soft_pkts_q <= 64'd0;
      hard_pkts_q <= 64'd0;
      stat_pkts_q <= 64'd0;
      stat_bytes_q <= 64'd0;
      stat_seq_q <= 64'd0;
      stat_bitmap_q <= 64'd0;
      stat_replay_q <= 32'd0;
      stat_auth_q <= 32'd0;
      stat_other_q <= 32'd0;
      stat_flags_q <= 4'd0;
    end else if (soft_reset_i) begin
      slot_q <= 16'd0;
      ctrl_q <= 7'd0;
      spi_q <= 32'd0;
      salt_q <= 32'd0;
      for (int i = 0; i < 8; i++) key_q[i] <= 32'd0;
      tun_src_q <= 32'd0;
      tun_dst_q <= 32'd0;
      ports_q <= SA_NATT_PORTS_RESVAL;
      window_q <= 13'd0;
      seq_q <= 64'd0;
      soft_bytes_q <= 64'd0;
      hard_bytes_q <= 64'd0;
      soft_pkts_q <= 64'd0;
      hard_pkts_q <= 64'd0;
      stat_pkts_q <= 64'd0;
      stat_bytes_q <= 64'd0;
      stat_seq_q <= 64'd0;
      stat_bitmap_q <= 64'd0;
      stat_replay_q <= 32'd0;
      stat_auth_q <= 32'd0;
      stat_other_q <= 32'd0;
      stat_flags_q <= 4'd0;
    end else begin
      if (csr_we_i) begin
        unique case (csr_addr_i)
          SA_SLOT_OFFSET:           slot_q <= csr_wdata_i[15:0];
          SA_CTRL_OFFSET:           ctrl_q <= csr_wdata_i[6:0];
          SA_SPI_OFFSET:            spi_q <= csr_wdata_i;
          SA_SALT_OFFSET:           salt_q <= csr_wdata_i;
          SA_TUN_SRC_OFFSET:        tun_src_q <= csr_wdata_i;
          SA_TUN_DST_OFFSET:        tun_dst_q <= csr_wdata_i;
          SA_NATT_PORTS_OFFSET:     ports_q <= csr_wdata_i;
          SA_WINDOW_OFFSET:         window_q <= csr_wdata_i[12:0];
          SA_SEQ_LO_OFFSET:         seq_q[31:0] <= csr_wdata_i;
          SA_SEQ_HI_OFFSET:         seq_q[63:32] <= csr_wdata_i;
          SA_SOFT_BYTES_OFFSET:     soft_bytes_q[31:0] <= csr_wdata_i;
          SA_SOFT_BYTES_OFFSET + 4: soft_bytes_q[63:32] <= csr_wdata_i;
          SA_HARD_BYTES_OFFSET:     hard_bytes_q[31:0] <= csr_wdata_i;
          SA_HARD_BYTES_OFFSET + 4: hard_bytes_q[63:32] <= csr_wdata_i;
          SA_SOFT_PKTS_OFFSET:      soft_pkts_q[31:0] <= csr_wdata_i;
          SA_SOFT_PKTS_OFFSET + 4:  soft_pkts_q[63:32] <= csr_wdata_i;
          SA_HARD_PKTS_OFFSET:      hard_pkts_q[31:0] <= csr_wdata_i;
          SA_HARD_PKTS_OFFSET + 4:  hard_pkts_q[63:32] <= csr_wdata_i;
          default: begin
            if (csr_addr_i >= SA_KEY_OFFSET && csr_addr_i < SA_KEY_OFFSET + CSR_AW'(32)) begin
              key_q[csr_addr_i[4:2]] <= csr_wdata_i;
            end
          end
        endcase
      end
      if (done_clear_staging) begin
        // Key material does not linger in the window.
        for (int i = 0; i < 8; i++) key_q[i] <= 32'd0;
        salt_q <= 32'd0;
      end
      if (capture_stats) begin
        stat_pkts_q <= s.pkts;
        stat_bytes_q <= s.bytes;
        stat_seq_q <= (cap_valid_q && cap_dir_q) ? rp_t_q : s.next_seq;
        stat_bitmap_q <= (cap_valid_q && cap_dir_q) ? rp_bm_q : 64'd0;
        stat_replay_q <= s.replay;
        stat_auth_q <= s.auth_fail;
        stat_other_q <= s.other_drops;
        stat_flags_q <= {s.seq_exhausted, s.hard_hit, s.soft_hit, cap_valid_q};
      end
    end
  end

  `ASSERT_INIT(SlotsLegal_A, Slots >= 2 && (Slots & (Slots - 1)) == 0 && Slots <= 65536)
  `ASSERT_INIT(WindowLegal_A, MaxWindow >= 1 && MaxWindow <= MAX_WINDOW)

endmodule
