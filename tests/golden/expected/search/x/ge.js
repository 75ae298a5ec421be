(self.siteSearchData=self.siteSearchData||{})["x/ge"]={"df":"0101","terms":"gener generalis"};
