// esp_sa_pkg: the SA table entry of the device front end (esp_sa_table, esp_engine): the
// configuration written by SA_CMD WRITE (hw/regmap.toml SA_*) and the per-SA state the
// datapath keeps (sequence numbers, lifetimes, counters). The anti-replay window lives in
// esp_replay and the key in every lane's key table (id = slot), not here.
// Integers are in host order (SA_SPI etc. as written); salt as SA_SALT (byte 0 in bits 7:0).
package esp_sa_pkg;

  typedef struct packed {
    logic        dir_in;
    logic        aes256;
    logic        tunnel;
    logic        natt;
    logic        esn;
    logic [1:0]  icv;         // ipsec_reg_pkg icv_len encoding
    logic [31:0] spi;
    logic [31:0] salt;
    logic [31:0] tun_src;
    logic [31:0] tun_dst;
    logic [15:0] sport;
    logic [15:0] dport;
    logic [12:0] window;      // as written (0: DEFAULT_WINDOW)
    logic [63:0] soft_bytes;  // 0: no limit
    logic [63:0] hard_bytes;
    logic [63:0] soft_pkts;
    logic [63:0] hard_pkts;
  } sa_cfg_t;

  typedef struct packed {
    logic [63:0] next_seq;       // outbound: next sequence number to send
    logic [15:0] ip_id;          // outbound tunnel: next outer IPv4 identification
    logic        seq_exhausted;
    logic        soft_hit;
    logic        hard_hit;
    logic [63:0] pkts;           // OK packets
    logic [63:0] bytes;          // their inner bytes
    logic [31:0] replay;
    logic [31:0] auth_fail;
    logic [31:0] other_drops;
  } sa_state_t;

  // The state of an empty slot, as device_model.cc reads it (next sequence number 1).
  function automatic sa_state_t sa_state_empty();
    sa_state_t s;
    s = '0;
    s.next_seq = 64'd1;
    return s;
  endfunction

endpackage
