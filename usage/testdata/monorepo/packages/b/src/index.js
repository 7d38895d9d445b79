const axios = require("axios");
const { Order } = require("@acme/a");

module.exports = async (id) => Order.parse((await axios.get(`/orders/${id}`)).data);
