// esp_engine_pkg: the types the packet engine's parts share (esp_fetch -> esp_front ->
// esp_back, wrapped by esp_engine). Doc: rtl/doc/esp_engine.md.
package esp_engine_pkg;

  // What the fetcher put in a slot.
  typedef enum logic [1:0] {
    PreOk,        // packet in the buffer
    PreStatus,    // completes with pre_st (BAD_DESCRIPTOR, MALFORMED, DMA_ERROR), no SA effect
    PreFetchErr   // the descriptor read failed: the queue is stopped, QUEUE_ERROR in order
  } pre_e;

  // The kind of a front -> back record.
  typedef enum logic [1:0] {
    KPacket,    // a packet (maybe dispatched to a lane)
    KFetchErr   // a failed descriptor read: QUEUE_ERROR in order
  } kind_e;

  // The record the front hands to the back for every fetched packet (in fetch order).
  typedef struct packed {
    kind_e       kind;
    logic        lane;      // a job went to the lane: take its result and output
    logic        decap;
    logic        encap_op;  // for STAT_ENCAP_PKTS / STAT_DECAP_PKTS
    logic [3:0]  status;
    logic [63:0] seq;
    logic [15:0] slot;      // SA slot (upper bits 0)
    logic        acct;      // the packet is accounted to slot
    logic        ev_seq;    // SEQ_OVERFLOW event
    logic [63:0] bytes;     // lifetime bytes of an OK packet (decap: from the lane)
    logic [31:0] cookie;
    logic [63:0] out_addr;
    logic        irq;
    logic [2:0]  q;
    logic [3:0]  epoch;
  } back_t;

  // Byte i of a 32-byte descriptor as read (byte 0 in [255:248]).
  function automatic logic [7:0] desc_byte(logic [255:0] d, int unsigned i);
    return d[255 - 8 * i -: 8];
  endfunction

endpackage
