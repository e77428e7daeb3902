// Masks personal data in the staging copy of the orders database before the application sees
// it. Run by pxclone's masking Job: mongosh mongodb://mongo-0.mongo:27017/orders /masking/mask.js
// Deterministic (salted hashes), so the same customer maps to the same masked values across
// collections and the data stays joinable.
const salt = process.env.MASK_SALT || "staging";

function pseudonym(value, prefix) {
  if (value === null || value === undefined) {
    return value;
  }
  const digest = crypto.createHash("sha256").update(salt + ":" + value).digest("hex");
  return prefix + digest.substring(0, 12);
}

const customers = db.getSiblingDB("orders").customers;
let masked = 0;
customers.find({}, { _id: 1, email: 1, phone: 1, name: 1 }).forEach((doc) => {
  customers.updateOne(
    { _id: doc._id },
    {
      $set: {
        name: pseudonym(doc.name, "customer-"),
        email: pseudonym(doc.email, "user-") + "@example.invalid",
        phone: doc.phone ? "+10000000000" : doc.phone,
      },
    },
  );
  masked += 1;
});

const orders = db.getSiblingDB("orders").orders;
const result = orders.updateMany(
  {},
  { $unset: { "payment.cardNumber": "", "payment.iban": "" }, $set: { "shipping.street": "masked" } },
);

print(`masked ${masked} customers, ${result.modifiedCount} orders`);
