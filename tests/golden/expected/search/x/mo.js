(self.siteSearchData=self.siteSearchData||{})["x/mo"]={"df":"070201","terms":"model molecul molecular"};
